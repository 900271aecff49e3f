-- POST /api/recommend with a random RW-100k user per request; at the end, one line
-- "WRK_JSON {...}" with the figures the benchmark reads (wrk's own summary has no P95).
-- Environment: SCENE (default rw_100k), USERS (default 10000).
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
function done(summary, latency, requests)
  local e = summary.errors
  local bad = e.connect + e.read + e.write + e.timeout + e.status
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, bad, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
