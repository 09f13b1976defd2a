"""The Lua scripts of the Redis record index (archiver.distributed.tracker), each one atomic.

A record's entry, in the hash `<prefix>:records` under its canonical URL's fingerprint, is
`content_hash|state|owner|time`: state `p` (claimed, line not yet durable) or `c`
(committed), owner the shard prefix of the worker that claimed it. `<prefix>:hashes` maps a
content hash to the fingerprint it was archived under. `<prefix>:epoch` holds a token set
once the index reflects the archive; a worker whose token is not the current one must
reconcile (the index was lost: Redis restarted without persistence) before it claims.
"""

from __future__ import annotations

# KEYS: records, hashes, epoch. ARGV: url_fp, content_hash, owner, takeover_after, epoch.
# Returns {outcome, previous hash, previous entry}; outcome `lost` when the epoch is not ARGV[5].
CLAIM = """
if redis.call('GET', KEYS[3]) ~= ARGV[5] then return {'lost', '', ''} end
local now = redis.call('TIME')
local t = tonumber(now[1])
local mine = ARGV[2] .. '|p|' .. ARGV[3] .. '|' .. t
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local h, st, own, ts = string.match(cur, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
  if st == 'p' and own ~= ARGV[3] then
    if t - tonumber(ts) > tonumber(ARGV[4]) then
      redis.call('HSET', KEYS[1], ARGV[1], mine)
      redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
      return {'new', '', cur}
    end
    return {'claimed_elsewhere', h, ''}
  end
  if h == ARGV[2] then return {'duplicate_url', h, ''} end
  redis.call('HSET', KEYS[1], ARGV[1], mine)
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
  return {'new_version', h, cur}
end
local other = redis.call('HGET', KEYS[2], ARGV[2])
if other and other ~= ARGV[1] then return {'duplicate_content', '', ''} end
redis.call('HSET', KEYS[1], ARGV[1], mine)
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return {'new', '', ''}
"""

# KEYS: records. ARGV: owner, url_fp... Marks this owner's pending claims committed.
COMMIT = """
local n = 0
for i = 2, #ARGV do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if cur then
    local h, st, own, ts = string.match(cur, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
    if own == ARGV[1] then
      redis.call('HSET', KEYS[1], ARGV[i], h .. '|c|' .. own .. '|' .. ts)
      n = n + 1
    end
  end
end
return n
"""

# KEYS: records, hashes. ARGV: url_fp, content_hash, owner, entry before the claim ('' if none).
# A claim whose line was not written after all: what the index said before, if it is still ours.
RELEASE = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local h, st, own = string.match(cur, '^([^|]*)|([^|]*)|([^|]*)|')
if st ~= 'p' or own ~= ARGV[3] or h ~= ARGV[2] then return 0 end
if ARGV[4] == '' then redis.call('HDEL', KEYS[1], ARGV[1])
else redis.call('HSET', KEYS[1], ARGV[1], ARGV[4]) end
if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[2]) end
return 1
"""

# KEYS: records. ARGV: url_fp, owner. A dead worker's line is kept only while the claim on it
# is still that worker's: then it is committed at once, so that no live worker takes it over
# between this decision and the line being written again by the recovery.
ADOPT = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local h, st, own, ts = string.match(cur, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
if own ~= ARGV[2] then return 0 end
if st == 'p' then redis.call('HSET', KEYS[1], ARGV[1], h .. '|c|' .. own .. '|' .. ts) end
return 1
"""
