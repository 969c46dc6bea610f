-- Admits one claim atomically, or says why not. The checks run in the order the spec
-- lists its refusals: campaign active and claim window open, the resident under the
-- round's limit, stock left in the denomination, budget left for the round.
-- KEYS: 3
-- KEYS[1] round meta hash, KEYS[2] the denomination's free-slot set, KEYS[3] round residents hash
-- ARGV[1] denomination id, ARGV[2] resident id, ARGV[3] now (ms since epoch)
-- Returns {'OK', slot, seq, generation, faceValue, minSpend, campaignId, theme, validFrom, validUntil}
--      or {reason}: NOT_LOADED (no state: load it and retry), NOT_FOUND (denomination not in
--      this round), ROUND_NOT_OPEN, ALREADY_CLAIMED, SOLD_OUT, BUDGET_EXHAUSTED.
local denomination, resident, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local m = redis.call('HMGET', KEYS[1], 'generation', 'active', 'opensAt', 'closesAt', 'limit', 'budget',
  'face:' .. denomination, 'min:' .. denomination, 'campaignId', 'theme', 'validFrom', 'validUntil')
if not m[1] then return {'NOT_LOADED'} end
if not m[7] then return {'NOT_FOUND'} end
if m[2] ~= '1' or now < tonumber(m[3]) or now >= tonumber(m[4]) then return {'ROUND_NOT_OPEN'} end

local held = redis.call('HGET', KEYS[3], resident)
local taken, count = {}, 0
if held then
  for seq in string.gmatch(held, '%d+') do
    taken[tonumber(seq)] = true
    count = count + 1
  end
end
if count >= tonumber(m[5]) then return {'ALREADY_CLAIMED'} end
if redis.call('SCARD', KEYS[2]) == 0 then return {'SOLD_OUT'} end
local face = tonumber(m[7])
if tonumber(m[6]) < face then return {'BUDGET_EXHAUSTED'} end

local slot = redis.call('SPOP', KEYS[2])
local seq = 1
while taken[seq] do seq = seq + 1 end
redis.call('HSET', KEYS[3], resident, held and (held .. ',' .. seq) or tostring(seq))
redis.call('HINCRBY', KEYS[1], 'budget', -face)
return {'OK', slot, tostring(seq), m[1], m[7], m[8], m[9], m[10], m[11], m[12]}
