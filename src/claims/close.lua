-- Stops admission to a round about to be edited, cancelled or closed, atomically with claim.lua:
-- a claim decided after this step is refused (ROUND_NOT_OPEN), one decided before it holds its
-- reservation. The reload that follows the change writes the round's state afresh.
-- Nothing is written when the round has no state (a later load reads the round as PostgreSQL has it).
-- KEYS: 1
-- KEYS[1] round meta hash
-- Returns 1 when admission was stopped, 0 when there was no state.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'active', '0')
return 1
