-- POST /auth/login with the benchmark account; reporting as in wrk-report.lua.
dofile("scripts/wrk-report.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"bench-password-0123456789"}'
