-- Admits a batch of claims on one denomination, one after the other, atomically: each claim
-- is decided exactly as if it had come alone, in the batch's order. The checks run in the
-- order the spec lists its refusals: campaign active and claim window open, the resident
-- under the round's limit, stock left in the denomination, budget left for the round.
-- (Batching spares each claim its own command: the per-command cost on both sides of the
-- connection was a visible share of a claim's CPU.)
-- KEYS: 3
-- KEYS[1] round meta hash, KEYS[2] the denomination's free-slot set, KEYS[3] round residents hash
-- ARGV[1] denomination id, ARGV[2] now (ms since epoch), ARGV[3..] the claiming residents' ids
-- Returns one reply per resident, in order: {'OK', slot, seq, generation, faceValue, minSpend,
--      campaignId, theme, validFrom, validUntil, validDays} or {reason}: NOT_LOADED (no state: load it
--      and retry), NOT_FOUND (denomination not in this round), ROUND_NOT_OPEN,
--      ALREADY_CLAIMED, SOLD_OUT, BUDGET_EXHAUSTED.
local denomination, now = ARGV[1], tonumber(ARGV[2])
local replies = {}
local function refuseAll(reason)
  for i = 3, #ARGV do replies[#replies + 1] = {reason} end
  return replies
end

local m = redis.call('HMGET', KEYS[1], 'generation', 'active', 'opensAt', 'closesAt', 'limit', 'budget',
  'face:' .. denomination, 'min:' .. denomination, 'campaignId', 'theme', 'validFrom', 'validUntil', 'validDays')
if not m[1] then return refuseAll('NOT_LOADED') end
if not m[7] then return refuseAll('NOT_FOUND') end
if m[2] ~= '1' or now < tonumber(m[3]) or now >= tonumber(m[4]) then return refuseAll('ROUND_NOT_OPEN') end
local limit, face = tonumber(m[5]), tonumber(m[7])
local budget = tonumber(m[6])
local stock = redis.call('SCARD', KEYS[2])

for i = 3, #ARGV do
  local resident = ARGV[i]
  local held = redis.call('HGET', KEYS[3], resident)
  local taken, count = {}, 0
  if held then
    for seq in string.gmatch(held, '%d+') do
      taken[tonumber(seq)] = true
      count = count + 1
    end
  end
  if count >= limit then
    replies[#replies + 1] = {'ALREADY_CLAIMED'}
  elseif stock == 0 then
    replies[#replies + 1] = {'SOLD_OUT'}
  elseif budget < face then
    replies[#replies + 1] = {'BUDGET_EXHAUSTED'}
  else
    local slot = redis.call('SPOP', KEYS[2])
    stock = stock - 1
    budget = budget - face
    local seq = 1
    while taken[seq] do seq = seq + 1 end
    redis.call('HSET', KEYS[3], resident, held and (held .. ',' .. seq) or tostring(seq))
    redis.call('HINCRBY', KEYS[1], 'budget', -face)
    replies[#replies + 1] = {'OK', slot, tostring(seq), m[1], m[7], m[8], m[9], m[10], m[11], m[12], m[13]}
  end
end
return replies
