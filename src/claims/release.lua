-- Gives back (parts of) a reservation made by claim.lua whose voucher was not stored.
-- Only applies to the state generation the reservation came from: after a reload the
-- state was rebuilt from stored vouchers and already counts this reservation as free.
-- KEYS: 3
-- KEYS[1] round meta hash, KEYS[2] the denomination's free-slot set, KEYS[3] round residents hash
-- ARGV[1] generation, ARGV[2] stock slot to free ('' keeps it taken),
-- ARGV[3] resident id, ARGV[4] claim number to free ('' keeps it), ARGV[5] face value to give back to the budget
-- Returns 1 when applied, 0 when the state has been reloaded (or lost) meanwhile.
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('SADD', KEYS[2], ARGV[2]) end
if ARGV[4] ~= '' then
  local held = redis.call('HGET', KEYS[3], ARGV[3])
  if held then
    local kept = {}
    for seq in string.gmatch(held, '%d+') do
      if seq ~= ARGV[4] then kept[#kept + 1] = seq end
    end
    if #kept == 0 then redis.call('HDEL', KEYS[3], ARGV[3]) else redis.call('HSET', KEYS[3], ARGV[3], table.concat(kept, ',')) end
  end
end
if tonumber(ARGV[5]) > 0 then redis.call('HINCRBY', KEYS[1], 'budget', ARGV[5]) end
return 1
