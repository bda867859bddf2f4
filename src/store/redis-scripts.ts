/**
 * Lua run inside Redis where a read-modify-write must be atomic across processes. The arithmetic mirrors
 * `burst-pool.ts` (the contract suite holds both to the same results); TypeScript sanitises the inputs.
 * Lua 5.1 numbers are doubles, printed with 14 significant digits: ample for token counts.
 */

/** KEYS[1] pool; ARGV capacity, amount, ttl ms → tokens granted (as a string, to keep fractions). */
export const BURST_TAKE = `
local cap = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local stored = redis.call('GET', KEYS[1])
local available = cap
if stored then available = math.min(math.max(tonumber(stored) or 0, 0), cap) end
local granted = math.min(available, amount)
redis.call('SET', KEYS[1], tostring(available - granted), 'PX', ARGV[3])
return tostring(granted)
`;

/** KEYS[1] pool; ARGV capacity, amount, ttl ms → new balance, never above capacity. */
export const BURST_RETURN = `
local cap = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local stored = redis.call('GET', KEYS[1])
local available = cap
if stored then available = math.min(math.max(tonumber(stored) or 0, 0), cap) end
local balance = math.min(cap, available + amount)
redis.call('SET', KEYS[1], tostring(balance), 'PX', ARGV[3])
return tostring(balance)
`;

/**
 * Every write of history in one atomic step: a write-behind batch, a task report, or a prune of old tasks.
 * KEYS: [1] the writer's last applied batch seq, [2] `u:idx`, [3] `task:at` (sorted set of (agent, task) by
 * time), [4] `task:out` (hash of (agent, task) → `at|completed|quality|source`), [5] `agents`, [6…] the usage
 * hash of each minute in `m`. ARGV: [1] batch seq ('' = no batch check), [2] batch mark TTL ms,
 * [3] retention ms, [4] minute before which `u:idx` is trimmed ('' = none), [5] time before which task
 * outcomes are dropped ('' = none), [6] most task outcomes kept, [7] JSON
 * `{m: [minute], u: [[minute index, agent, demand, consumed]], t: [[agent\ntask, at, completed 0/1, quality, source]], a: [[agent, ms]]}`
 * with times and token counts as strings, so Lua rounds none of them. Returns `{applied 0/1, code per task}`,
 * code = 1 if duplicate + 2 if replaced. The task rule mirrors `mergeTaskReport` (task-merge.ts).
 */
export const APPLY_WRITES = `
local seq = tonumber(ARGV[1])
if seq then
  local last = tonumber(redis.call('GET', KEYS[1]) or '')
  if last and last >= seq then return {0} end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
local p = cjson.decode(ARGV[7])
local retention = ARGV[3]
for _, a in ipairs(p.a) do
  local known = redis.call('HGET', KEYS[5], a[1])
  if (not known) or tonumber(known) > tonumber(a[2]) then redis.call('HSET', KEYS[5], a[1], a[2]) end
end
for _, u in ipairs(p.u) do
  local key = KEYS[5 + u[1]]
  redis.call('HINCRBYFLOAT', key, 'd:' .. u[2], u[3])
  redis.call('HINCRBYFLOAT', key, 'c:' .. u[2], u[4])
end
for i, m in ipairs(p.m) do
  redis.call('PEXPIRE', KEYS[5 + i], retention)
  redis.call('ZADD', KEYS[2], m, m)
end
if ARGV[4] ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[2], retention)
end
local result = {1}
for _, t in ipairs(p.t) do
  local member, at, done, quality, source = t[1], t[2], t[3], t[4], t[5]
  local code, write_at = 0, at
  local stored = redis.call('HGET', KEYS[4], member)
  local s_at, s_done, s_quality, s_source
  if stored then s_at, s_done, s_quality, s_source = string.match(stored, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$') end
  if s_at then
    local completes_now = done == '1' and s_done ~= '1'
    if not completes_now then write_at = s_at end
    if source == 'evaluator' and s_source == 'agent' then
      code = 2
      if not completes_now then code = 3 end
    elseif not (source == s_source and completes_now) then
      code = 1
      write_at = nil
    end
  end
  if write_at then
    redis.call('HSET', KEYS[4], member, write_at .. '|' .. done .. '|' .. quality .. '|' .. source)
    redis.call('ZADD', KEYS[3], write_at, member)
  end
  result[#result + 1] = code
end
local function drop(members)
  for _, member in ipairs(members) do redis.call('HDEL', KEYS[4], member) end
end
if ARGV[5] ~= '' then
  drop(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[5]))
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[5])
  local excess = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[6])
  if excess > 0 then
    drop(redis.call('ZRANGE', KEYS[3], 0, excess - 1))
    redis.call('ZREMRANGEBYRANK', KEYS[3], 0, excess - 1)
  end
  redis.call('PEXPIRE', KEYS[3], retention)
  redis.call('PEXPIRE', KEYS[4], retention)
end
return result
`;

/**
 * Period caps: check every counter with a limit, then reserve on all of them, in one atomic step (mirrors
 * `capBlocked` in cap-counter.ts). KEYS: one hash per counter (`u` settled, `r` reserved). ARGV: [1] amount,
 * then per key i: [2i] limit ('' = none), [2i+1] unix ms the key expires at. Returns
 * `{blocked (0-based index, -1 = reserved), u1, r1, u2, r2, …}` as strings, the counters after the call.
 */
export const CAP_RESERVE = `
local blocked = -1
for i = 1, #KEYS do
  local limit = tonumber(ARGV[2 * i])
  if limit then
    local used = tonumber(redis.call('HGET', KEYS[i], 'u') or '0') + tonumber(redis.call('HGET', KEYS[i], 'r') or '0')
    if used >= limit then
      blocked = i - 1
      break
    end
  end
end
if blocked < 0 then
  for i = 1, #KEYS do
    redis.call('HINCRBYFLOAT', KEYS[i], 'r', ARGV[1])
    redis.call('PEXPIREAT', KEYS[i], ARGV[2 * i + 1])
  end
end
local out = {tostring(blocked)}
for i = 1, #KEYS do
  out[#out + 1] = redis.call('HGET', KEYS[i], 'u') or '0'
  out[#out + 1] = redis.call('HGET', KEYS[i], 'r') or '0'
end
return out
`;

/**
 * Period caps: add to counters atomically, once per op id. KEYS: [1] the op id's mark, then one hash per
 * counter. ARGV: [1] how long the mark lives (ms), then per counter i: [3i-1] settled delta, [3i] reserved
 * delta, [3i+1] unix ms the key expires at. Returns `{u1, r1, u2, r2, …}` after, as strings.
 */
export const CAP_ADD = `
local first = redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1])
local out = {}
for i = 2, #KEYS do
  local a = 3 * (i - 1)
  if first then
    redis.call('HINCRBYFLOAT', KEYS[i], 'u', ARGV[a - 1])
    redis.call('HINCRBYFLOAT', KEYS[i], 'r', ARGV[a])
    redis.call('PEXPIREAT', KEYS[i], ARGV[a + 1])
  end
  out[#out + 1] = redis.call('HGET', KEYS[i], 'u') or '0'
  out[#out + 1] = redis.call('HGET', KEYS[i], 'r') or '0'
end
return out
`;
