-- Counts requests against every rate-limit policy of their routes at once (the requests of
-- one event-loop turn of an API process, in order): one fixed window per policy and caller,
-- the window starting at the caller's first request in it. A key may appear several times
-- (two requests of one caller); each occurrence counts one. Atomic, so API processes
-- sharing this Redis admit exactly a policy's points per window.
--
-- KEYS: variable (callers pass the key count first: one key per request and policy)
--   KEYS[i]  a counter of one policy for one caller, e.g. "rl:claims.resident:resident:r-1"
--            (keys of many callers are counted by one script, so this needs a single Redis,
--            which is what the platform runs, not a Redis Cluster)
-- ARGV:
--   ARGV[i]  the window of KEYS[i]'s policy, in milliseconds
-- Returns: a flat array, for each KEYS[i] in order: its count including this occurrence, then
--   the milliseconds until its window ends.

local result = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local remaining = redis.call('PTTL', key)
  if remaining < 0 then
    remaining = tonumber(ARGV[i])
    redis.call('PEXPIRE', key, remaining)
  end
  result[#result + 1] = count
  result[#result + 1] = remaining
end
return result
