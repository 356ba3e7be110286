--[[
Vigil enrichment: applies a run of records of one entity to its feature state
and returns their features, atomically. `reference.ts` is the same algorithm in
TypeScript; the integration tests hold the two to 1e-9 on random streams.

KEYS[1]  state hash of the entity
KEYS[2]  snapshot hash: the state as it was before the last call (for exact replays)
ARGV     ttlMs, snapshotTtlMs, windowSize, rateAlpha, seasonResolutionMs (0 = no season), seasonSlots,
         maxLatenessMs, maxSignals, minStd, nEwma, alpha x nEwma,
         tp ("topic/partition"), continues (0|1), nRecords, nNames, name x nNames,
         blob, id x nRecords. The blob holds little-endian doubles, per record:
         offset, ts, nSignals, (name index, value) x nSignals

State hash fields:
  m           MessagePack meta: v, lt (last applied ts), ids (ids applied at lt), tp,
              off (highest processed offset in tp), cf/cfid (offset and id of the first
              record of the last call), ru (replay bound after a restore), pe (the
              snapshot was not empty), de (EWMA of inter-arrival s), ns (signals kept),
              n (records applied)
  s:<signal>  little-endian doubles: k (values in the ring), h (oldest slot once full),
              c (capacity), mu and m2 (mean and sum of squared deviations of the ring),
              l (last value, NaN before the first), ne, ne x (alpha, EWMA), then the ring
  z<slot>     MessagePack season slot: b (bucket number), r (resolution ms), s (slots),
              c (per signal {count, mean} of bucket b), p (per signal mean of bucket b - s)

Redis calls are few on purpose (one HGETALL, one HSET, COPY, two PEXPIRE): each
costs about as much as the arithmetic of a whole record. The snapshot gets its own,
shorter TTL: re-deliveries come within minutes, and idle entities then keep only
their state.

Reply: little-endian doubles. created, reset, then per record: outcome, dropped,
dt_s, rate_per_min, late, and per signal last, diff, mean, std, zscore, sdiff,
(ewma, resid) x nEwma. NaN = not defined.
]]

local META_VERSION = 1
local MAX_IDS = 32
local APPLIED, LATE, LATE_FLAGGED, REPLAYED_EXACT, REPLAYED_CURRENT = 0, 1, 2, 3, 4
local NAN = 0 / 0
local HEADER = '<ddddddd'

local state_key, prev_key = KEYS[1], KEYS[2]
local argi = 0
local function arg()
  argi = argi + 1
  return ARGV[argi]
end
local function num()
  argi = argi + 1
  return tonumber(ARGV[argi])
end

local ttl_ms = num()
local snapshot_ttl_ms = num()
local cap = num()
local rate_alpha = num()
local season_res = num()
local season_slots = num()
local max_late_ms = num()
local max_signals = num()
local min_std = num()
local n_ewma = num()
local alphas = {}
for i = 1, n_ewma do alphas[i] = num() end
local tp = arg()
local continues = arg() == '1'
local n_records = num()
local names = {}
for i = 1, num() do names[i] = arg() end
local blob = arg()
local blob_pos = 1
local ids_at = argi

local reset = false
local fields = {}
local function read_fields()
  fields = {}
  local flat = redis.call('HGETALL', state_key)
  for i = 1, #flat, 2 do fields[flat[i]] = flat[i + 1] end
end

-- Unreadable state (a foreign writer, another format version) is started afresh
-- and reported, rather than failing every call for the entity.
local function load_meta()
  local raw = fields['m']
  if not raw then return nil end
  local ok, meta = pcall(cmsgpack.unpack, raw)
  if ok and type(meta) == 'table' and meta.v == META_VERSION and type(meta.ids) == 'table'
    and type(meta.ns) == 'number' and type(meta.n) == 'number' then
    return meta
  end
  reset = true
  redis.call('DEL', state_key)
  fields = {}
  return nil
end

-- Snapshot or restore, then the meta this call starts from.
read_fields()
local meta = load_meta()
local replay_upto = nil
local created = false
if continues then
  if meta then replay_upto = meta.ru end
else
  local first_off, first_id = (struct.unpack('<d', blob)), ARGV[ids_at + 1]
  local restored, snapshot_kept = false, false
  if meta and meta.tp == tp and meta.cf == first_off and meta.cfid == first_id then
    -- The last call started with this very record: it is being re-delivered. Roll
    -- back to the state before that call and run again, so the features come out
    -- as they did the first time and nothing is applied twice. Without its
    -- snapshot (expired) the call runs on the current state instead.
    if not meta.pe then
      replay_upto = meta.off
      redis.call('DEL', state_key)
      restored = true
    elseif redis.call('COPY', prev_key, state_key, 'REPLACE') == 1 then
      replay_upto = meta.off
      restored, snapshot_kept = true, true
    end
    if restored then
      read_fields()
      meta = load_meta()
    end
  end
  local had_state = meta ~= nil
  if not restored then
    if had_state then
      redis.call('COPY', state_key, prev_key, 'REPLACE')
      redis.call('PEXPIRE', prev_key, snapshot_ttl_ms)
    else
      redis.call('DEL', prev_key)
      created = true
    end
  end
  if meta == nil then meta = { v = META_VERSION, ids = {}, ns = 0, n = 0 } end
  if restored then meta.pe = snapshot_kept else meta.pe = had_state end
  meta.cf, meta.cfid, meta.ru = first_off, first_id, replay_upto
end
if meta == nil then meta = { v = META_VERSION, ids = {}, ns = 0, n = 0 } end

-- Signal state --------------------------------------------------------------

local function ring_get(w, i)
  return (struct.unpack('<d', w, (i - 1) * 8 + 1))
end

-- Exact mean and sum of squared deviations of the ring (two passes, storage order).
local function resync(s)
  local k = s.k
  local w = { struct.unpack('<' .. string.rep('d', k), s.w) }
  local sum = 0
  for i = 1, k do sum = sum + w[i] end
  local mu = 0
  if k > 0 then mu = sum / k end
  local m2 = 0
  for i = 1, k do
    local d = w[i] - mu
    m2 = m2 + d * d
  end
  s.mu, s.m2 = mu, m2
end

-- Adds x to the window: Welford's update while it fills, a sliding update once
-- full. When the ring wraps (every c values) mu and m2 are recomputed exactly,
-- so rounding drift never outlives one window.
local function push(s, x)
  local k, c = s.k, s.c
  if k < c then
    k = k + 1
    s.k = k
    s.w = s.w .. struct.pack('<d', x)
    local d = x - s.mu
    s.mu = s.mu + d / k
    s.m2 = s.m2 + d * (x - s.mu)
    return
  end
  local h = s.h
  local old, mu_old = ring_get(s.w, h), s.mu
  s.w = string.sub(s.w, 1, (h - 1) * 8) .. struct.pack('<d', x) .. string.sub(s.w, h * 8 + 1)
  s.mu = mu_old + (x - old) / c
  s.m2 = s.m2 + (x - old) * (x - s.mu + old - mu_old)
  if s.m2 < 0 then s.m2 = 0 end
  h = (h % c) + 1
  s.h = h
  if h == 1 then resync(s) end
end

local function decode_signal(raw)
  local ok, k, h, c, mu, m2, l, ne, pos = pcall(struct.unpack, HEADER, raw)
  if not ok or k ~= k or k < 0 or c < 1 or k > c or h < 1 or h > c or ne < 0
    or #raw ~= (7 + 2 * ne + k) * 8 then
    return nil
  end
  local e = {}
  for _ = 1, ne do
    local alpha, value
    alpha, value, pos = struct.unpack('<dd', raw, pos)
    e[alpha] = value
  end
  if l ~= l then l = nil end
  return { k = k, h = h, c = c, mu = mu, m2 = m2, l = l, e = e, w = string.sub(raw, pos) }
end

local function encode_signal(s)
  local parts, ne = {}, 0
  for alpha, value in pairs(s.e) do
    ne = ne + 1
    parts[ne] = struct.pack('<dd', alpha, value)
  end
  return struct.pack(HEADER, s.k, s.h, s.c, s.mu, s.m2, s.l or NAN, ne) .. table.concat(parts) .. s.w
end

local signals, dirty_signals = {}, {}
local function load_signal(name)
  local s = signals[name]
  if s ~= nil then return s end
  local raw = fields['s:' .. name]
  s = false
  if raw then
    s = decode_signal(raw) or false
    if not s then reset = true end
  end
  if s and s.c ~= cap then
    -- Window size changed: keep the newest values, oldest first.
    local kept, first = {}, math.max(0, s.k - cap)
    for i = first, s.k - 1 do kept[#kept + 1] = struct.pack('<d', ring_get(s.w, ((s.h - 1 + i) % s.c) + 1)) end
    s.w, s.h, s.k, s.c = table.concat(kept), 1, #kept, cap
    resync(s)
  end
  signals[name] = s
  return s
end

-- Season slots ----------------------------------------------------------------

local slots, dirty_slots = {}, {}
local function load_slot(idx)
  local z = slots[idx]
  if z ~= nil then return z end
  local raw = fields['z' .. idx]
  z = false
  if raw then
    local ok, value = pcall(cmsgpack.unpack, raw)
    if ok and type(value) == 'table' and type(value.b) == 'number' and type(value.c) == 'table'
      and type(value.p) == 'table' then
      if value.r == season_res and value.s == season_slots then z = value end
    else
      reset = true
    end
  end
  slots[idx] = z
  return z
end

-- Per signal mean of bucket `bucket - slots`, or nil.
local function season_before(z, bucket)
  if not z then return nil end
  if z.b == bucket then return z.p end
  if z.b == bucket - season_slots then
    local p = {}
    for name, cm in pairs(z.c) do p[name] = cm[2] end
    return p
  end
  return nil
end

-- Features ----------------------------------------------------------------------

local out, n_out = {}, 0
local per_signal = 6 + 2 * n_ewma
local function put_missing()
  for _ = 1, per_signal do
    n_out = n_out + 1
    out[n_out] = NAN
  end
end

-- Puts one signal's features; applies the value when `apply`. Returns false when the signal was dropped.
local function signal_features(name, x, apply, season_prev)
  local s = load_signal(name)
  if not s then
    if apply and meta.ns >= max_signals then
      put_missing()
      return false
    end
    if not apply then
      put_missing()
      return true
    end
    s = { w = '', h = 1, k = 0, c = cap, mu = 0, m2 = 0, e = {} }
    meta.ns = meta.ns + 1
    signals[name] = s
  end
  local k, last, n = s.k, s.l, n_out
  -- last, diff, mean, std, zscore, sdiff
  if last then
    out[n + 1], out[n + 2] = last, x - last
  else
    out[n + 1], out[n + 2] = NAN, NAN
  end
  out[n + 3], out[n + 4], out[n + 5] = NAN, NAN, NAN
  if k >= 1 then out[n + 3] = s.mu end
  if k >= 2 then
    local std = math.sqrt(s.m2 / (k - 1))
    out[n + 4] = std
    local sd = std
    if min_std > sd then sd = min_std end
    if sd > 0 then out[n + 5] = (x - s.mu) / sd end
  end
  local seasonal = season_prev and season_prev[name]
  if seasonal then out[n + 6] = x - seasonal else out[n + 6] = NAN end
  n = n + 6
  local e = s.e
  for i = 1, n_ewma do
    local alpha = alphas[i]
    local before = e[alpha]
    if before then
      local after = before + alpha * (x - before)
      out[n + 1], out[n + 2] = after, x - before
      if apply then e[alpha] = after end
    else
      out[n + 1], out[n + 2] = x, NAN
      if apply then e[alpha] = x end
    end
    n = n + 2
  end
  n_out = n
  if apply then
    push(s, x)
    s.l = x
    dirty_signals[name] = true
  end
  return true
end

out[1], out[2], n_out = created and 1 or 0, 0, 2

for r = 1, n_records do
  local off, ts, nsig
  off, ts, nsig, blob_pos = struct.unpack('<ddd', blob, blob_pos)
  local id = ARGV[ids_at + r]
  local lt = meta.lt
  local replay = false
  if lt ~= nil then
    if meta.tp == tp and meta.off ~= nil and off <= meta.off and ts <= lt then
      replay = true
    elseif ts == lt then
      for _, seen in ipairs(meta.ids) do
        if seen == id then
          replay = true
          break
        end
      end
    end
  end
  local late = not replay and lt ~= nil and ts < lt
  local apply = not replay and not late
  local flagged = late and (lt - ts) > max_late_ms

  local outcome = APPLIED
  if replay_upto ~= nil and off <= replay_upto then
    outcome = REPLAYED_EXACT
  elseif replay then
    outcome = REPLAYED_CURRENT
  elseif flagged then
    outcome = LATE_FLAGGED
  elseif late then
    outcome = LATE
  end

  local dt, de = NAN, meta.de
  if lt ~= nil then
    dt = (ts - lt) / 1000
    if apply then
      if de == nil then de = dt else de = de + rate_alpha * (dt - de) end
    end
  end
  local rate = NAN
  if de ~= nil and de > 0 then rate = 60 / de end
  local n = n_out
  out[n + 1], out[n + 2], out[n + 3], out[n + 4], out[n + 5] = outcome, 0, dt, rate, flagged and 1 or 0
  local dropped_at = n + 2
  n_out = n + 5

  local season_prev, bucket, idx, z = nil, nil, nil, nil
  if season_res > 0 then
    bucket = math.floor(ts / season_res)
    idx = bucket % season_slots
    z = load_slot(idx)
    season_prev = season_before(z, bucket)
  end
  local dropped = 0
  for _ = 1, nsig do
    local name_index, x
    name_index, x, blob_pos = struct.unpack('<dd', blob, blob_pos)
    local name = names[name_index]
    if not signal_features(name, x, apply, season_prev) then
      dropped = dropped + 1
    elseif apply and season_res > 0 then
      if not z or z.b ~= bucket then
        z = { b = bucket, r = season_res, s = season_slots, c = {}, p = season_prev or {} }
        slots[idx] = z
      end
      local cm = z.c[name]
      if cm then
        cm[1] = cm[1] + 1
        cm[2] = cm[2] + (x - cm[2]) / cm[1]
      else
        z.c[name] = { 1, x }
      end
      dirty_slots[idx] = true
    end
  end
  out[dropped_at] = dropped

  if apply then
    if ts == lt then
      meta.ids[#meta.ids + 1] = id
      if #meta.ids > MAX_IDS then table.remove(meta.ids, 1) end
    else
      meta.ids = { id }
    end
    meta.lt = ts
    meta.de = de
    meta.n = meta.n + 1
  end
  if apply or meta.tp ~= tp or meta.off == nil or off > meta.off then
    meta.tp = tp
    meta.off = off
  end
end
if reset then out[2] = 1 end

local writes = { 'm', cmsgpack.pack(meta) }
for name in pairs(dirty_signals) do
  writes[#writes + 1] = 's:' .. name
  writes[#writes + 1] = encode_signal(signals[name])
end
for idx in pairs(dirty_slots) do
  writes[#writes + 1] = 'z' .. idx
  writes[#writes + 1] = cmsgpack.pack(slots[idx])
end
for i = 1, #writes, 400 do
  redis.call('HSET', state_key, unpack(writes, i, math.min(i + 399, #writes)))
end
redis.call('PEXPIRE', state_key, ttl_ms)

local parts, format = {}, '<' .. string.rep('d', 200)
for i = 1, n_out, 200 do
  local j = math.min(i + 199, n_out)
  if j - i + 1 == 200 then
    parts[#parts + 1] = struct.pack(format, unpack(out, i, j))
  else
    parts[#parts + 1] = struct.pack('<' .. string.rep('d', j - i + 1), unpack(out, i, j))
  end
end
return table.concat(parts)
