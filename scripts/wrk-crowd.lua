-- Replays a crowd of distinct URLs (one path per line in the file given after `--`), each
-- thread starting at its own offset, then prints the RESULT line of wrk-report.lua.
local paths = {}
local next_index = 1
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("offset", thread_count)
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    if #line > 0 then paths[#paths + 1] = line end
  end
  file:close()
  -- Threads start far apart in the file, so no two send the same URL at the same time.
  next_index = ((tonumber(offset) or 1) - 1) * math.floor(#paths / 2) + 1
end

function request()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", path)
end

-- The RESULT line: the same report as single-URL runs (wrk runs from the repository root).
dofile("scripts/wrk-report.lua")
