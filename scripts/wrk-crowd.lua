-- A shopper crowd over the catalogue: every request a different URL drawn from list pages at
-- random depth and sort, category pages, searches and product pages. The product slugs come
-- from the file named by SOAK_SLUGS, the category slugs from SOAK_CATEGORIES (one per line).
-- Reporting as in wrk-report.lua.
dofile("scripts/wrk-report.lua")

local slugs = {}
local categories = {}
local sorts = { "newest", "price_asc", "price_desc", "title_asc" }
local words = { "linen", "dress", "wool", "cotton", "shirt", "coat", "silk", "denim", "summer", "knit" }

local function read_lines(path, into)
  local file = io.open(path or "", "r")
  if file then
    for line in file:lines() do into[#into + 1] = line end
    file:close()
  end
end

init = function(args)
  read_lines(os.getenv("SOAK_SLUGS"), slugs)
  read_lines(os.getenv("SOAK_CATEGORIES"), categories)
  if #categories == 0 then categories = { "women" } end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

request = function()
  local pick = math.random(4)
  local path
  if pick == 1 then
    path = string.format("/products?page=%d&limit=24&sort=%s", math.random(40), sorts[math.random(#sorts)])
  elseif pick == 2 then
    path = string.format("/products?category=%s&page=%d&minPrice=%d", categories[math.random(#categories)],
      math.random(10), math.random(0, 5000))
  elseif pick == 3 then
    path = string.format("/products?search=%s%%20%s&page=%d", words[math.random(#words)],
      words[math.random(#words)], math.random(3))
  elseif #slugs > 0 then
    path = "/products/" .. slugs[math.random(#slugs)]
  else
    path = "/products?page=" .. math.random(100)
  end
  return wrk.format("GET", path)
end
