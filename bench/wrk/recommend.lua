-- POST /api/recommend with a random RW-100k user per request.
-- Reads SCENE and USERS from the environment (defaults: rw_100k, 10000).
local scene = os.getenv("SCENE") or "rw_100k"
local users = tonumber(os.getenv("USERS") or "10000")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  math.randomseed(os.time() + (seed or 0) * 7919)
end
function request()
  local uid = math.random(1, users)
  return wrk.format(nil, "/api/recommend", nil,
    '{"uid":"' .. uid .. '","scene_id":"' .. scene .. '","size":20}')
end
