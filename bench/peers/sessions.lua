-- wrk script for bench/peers/run.sh: every request carries the cookies of one logged-in user,
-- drawn at random from a file written by `users.py cookies` (one Cookie header value a line:
-- DEMOSESSION plus whatever the proxy itself set, e.g. tether_affinity or HAProxy's SRV).
--
--   wrk -t1 -c64 -d8s --latency -s bench/peers/sessions.lua http://127.0.0.1:PORT -- COOKIES [PATH]
--
-- PATH defaults to /whoami: the demo app answers 200 when the request reached the backend that
-- holds the session and 401 when it did not, so every 401 is a request that broke affinity.
-- Each response's X-Backend header is counted; done() prints, after wrk's own output:
--   PEERS backend NAME COUNT     one line per backend (requests it answered)
--   PEERS status CODE COUNT      one line per HTTP status
--   PEERS keys N                 how many distinct users the file held

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file = args[1]
  local path = args[2] or "/whoami"
  if not file then
    error("sessions.lua: pass the cookie file after --")
  end
  requests_pool = {}
  for line in io.lines(file) do
    if line ~= "" then
      requests_pool[#requests_pool + 1] = wrk.format("GET", path, { ["Cookie"] = line })
    end
  end
  pool_size = #requests_pool
  if pool_size == 0 then
    error("sessions.lua: no cookies in " .. file)
  end
  -- Keys are drawn uniformly; the sequence itself does not need to repeat between proxies.
  math.randomseed(os.time())
  per_backend = {}
  per_status = {}
end

function request()
  return requests_pool[math.random(pool_size)]
end

function response(status, headers, body)
  local b = headers["X-Backend"] or headers["x-backend"] or "-"
  per_backend[b] = (per_backend[b] or 0) + 1
  per_status[status] = (per_status[status] or 0) + 1
end

function done(summary, latency, requests)
  local backends, statuses, keys = {}, {}, 0
  for _, thread in ipairs(threads) do
    for name, n in pairs(thread:get("per_backend") or {}) do
      backends[name] = (backends[name] or 0) + n
    end
    for code, n in pairs(thread:get("per_status") or {}) do
      statuses[code] = (statuses[code] or 0) + n
    end
    keys = thread:get("pool_size") or keys
  end
  for name, n in pairs(backends) do
    io.write(string.format("PEERS backend %s %d\n", name, n))
  end
  for code, n in pairs(statuses) do
    io.write(string.format("PEERS status %s %d\n", tostring(code), n))
  end
  io.write(string.format("PEERS keys %d\n", keys))
end
