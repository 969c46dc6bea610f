-- Counts one request against every rate-limit policy of its route at once: one fixed window
-- per policy and caller, the window starting at the caller's first request in it.
-- Atomic, so API processes sharing this Redis admit exactly a policy's points per window.
--
-- KEYS: variable (callers pass the key count first: one key per policy)
--   KEYS[i]  the counter of policy i for this caller, e.g. "rl:claims.resident:resident:r-1"
--            (policies of one request are counted by one script, so on a Redis Cluster a
--            route's keys would need one hash tag; the platform runs a single Redis)
-- ARGV:
--   ARGV[i]  the window of policy i, in milliseconds
-- Returns: a flat array, for each policy i in order: its count including this request, then
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
