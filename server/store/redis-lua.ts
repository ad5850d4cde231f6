// The Lua scripts behind RedisRoomStore and RedisCluster. Redis runs each script alone, start to finish, so every
// check-then-change below (a limit, "is this still that session?", "is this session still mine?") is atomic
// across all processes sharing the Redis: no lock is needed, and none is taken.
//
// Conventions. ARGV[1] of a room script is the room's key prefix, `<prefix>:{<roomKey>}:`; the braces are a
// Redis Cluster hash tag, so every key of one room (and of its sessions) hashes to one slot. Keys under it:
//   info            hash  scene, createdAt, cv (change version), epoch (cv at creation), eseq (log position)
//   members         hash  userID -> MemberRecord JSON
//   vis / sil       set   visible / silent userIDs (the counts the limits read, O(1))
//   biz             set   business ids seen in the room
//   streams         hash  '<main|aux>:<userID>' -> StreamRecord JSON
//   anchors         hash  userID -> number of its streams (the live scene's anchor limit)
//   subs:<sub>      hash  '<main|aux>:<userID>' -> SubscriptionRecord JSON (what <sub> subscribes to)
//   subbers:<t>:<u> set   subscribers of stream <t> of user <u> (dropping a stream's subscriptions)
//   subjcv          hash  userID -> version of the newest notification published about that user
//   gone            set   users whose newest published notification is their user-left
//   log             stream the room's notifications, ids 0-<eseq> (replayed to sessions resumed elsewhere)
//   sess:<id>       hash  a session: owner process, state, deadline, tokenHash, seq, lastEseq, floor, urls...
//   buf:<id>        list  the session's latest numbered notifications (its resume buffer)
// Global keys (declared in KEYS where a script touches them): <prefix>:rooms (room index), <prefix>:graces
// (zset of detached sessions by deadline), <prefix>:procs (zset of processes by heartbeat deadline),
// <prefix>:proc:<id>:owned (sessions a process holds). Scripts touching both a room and a global key make
// this layout single-node (or Sentinel) Redis; Redis Cluster would need the global indexes split per slot.
//
// Numbers: versions are microseconds (16 digits), beyond Lua's default number formatting, so they travel as
// strings made with string.format('%.0f'); JSON records are written by TypeScript and re-encoded by cjson only
// where a field changes (their numbers are millisecond timestamps, 13 digits, which cjson keeps exact).

const COMMON = `
local R = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function num(x) return string.format('%.0f', x) end
-- Versions grow with Redis's clock, so a room emptied and entered again never reuses one.
local function next_version()
  local t = redis.call('TIME')
  local cv = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local prev = tonumber(redis.call('HGET', R .. 'info', 'cv') or '0')
  if prev >= cv then cv = prev + 1 end
  local s = num(cv)
  redis.call('HSET', R .. 'info', 'cv', s)
  return s
end
local function drop_subs_to(user, stype, out)
  local field = stype .. ':' .. user
  local set = R .. 'subbers:' .. field
  for _, sub in ipairs(redis.call('SMEMBERS', set)) do
    local key = R .. 'subs:' .. sub
    local s = redis.call('HGET', key, field)
    if s then
      redis.call('HDEL', key, field)
      table.insert(out, s)
    end
  end
  redis.call('DEL', set)
end
-- A member's streams go (with others' subscriptions to them); leaving also drops the member and what it subscribed to.
local function depart(user, leaving)
  local member = redis.call('HGET', R .. 'members', user)
  local streams, dropped = {}, {}
  for _, t in ipairs({'main', 'aux'}) do
    local f = t .. ':' .. user
    local s = redis.call('HGET', R .. 'streams', f)
    if s then
      redis.call('HDEL', R .. 'streams', f)
      table.insert(streams, s)
      drop_subs_to(user, t, dropped)
    end
  end
  redis.call('HDEL', R .. 'anchors', user)
  if leaving then
    redis.call('HDEL', R .. 'members', user)
    redis.call('SREM', R .. 'vis', user)
    redis.call('SREM', R .. 'sil', user)
    local mine = R .. 'subs:' .. user
    for _, f in ipairs(redis.call('HKEYS', mine)) do
      redis.call('SREM', R .. 'subbers:' .. f, user)
    end
    redis.call('DEL', mine)
  end
  return {member, streams, dropped}
end
local function delete_room(index, roomKey)
  for _, user in ipairs(redis.call('HKEYS', R .. 'members')) do redis.call('DEL', R .. 'subs:' .. user) end
  for _, f in ipairs(redis.call('HKEYS', R .. 'streams')) do redis.call('DEL', R .. 'subbers:' .. f) end
  redis.call('DEL', R .. 'info', R .. 'members', R .. 'vis', R .. 'sil', R .. 'streams', R .. 'anchors', R .. 'biz', R .. 'subjcv', R .. 'gone', R .. 'log')
  redis.call('SREM', index, roomKey)
end
-- The last member gone ends the room: {scene, createdAt, businessIds} of the ended room, or {}.
local function end_if_empty(index, roomKey)
  if redis.call('HLEN', R .. 'members') > 0 then return {} end
  local i = redis.call('HMGET', R .. 'info', 'scene', 'createdAt')
  local biz = redis.call('SMEMBERS', R .. 'biz')
  delete_room(index, roomKey)
  return {i[1] or 'rtc', i[2] or '0', biz}
end
-- Everything in the room: {scene, createdAt, businessIds, members, streams, subscriptions}, or {} when none.
local function read_room()
  local i = redis.call('HMGET', R .. 'info', 'scene', 'createdAt')
  if not i[1] then return {} end
  local subs = {}
  for _, user in ipairs(redis.call('HKEYS', R .. 'members')) do
    for _, s in ipairs(redis.call('HVALS', R .. 'subs:' .. user)) do table.insert(subs, s) end
  end
  return {i[1], i[2], redis.call('SMEMBERS', R .. 'biz'), redis.call('HVALS', R .. 'members'), redis.call('HVALS', R .. 'streams'), subs}
end
`;

/** Scripts by name: Lua source and how many of their arguments are keys. */
export interface ScriptDef {
  numberOfKeys: number;
  lua: string;
}

const room = (body: string, numberOfKeys: number): ScriptDef => ({ numberOfKeys, lua: `${COMMON}\n${body}` });

export const SCRIPTS = {
  // KEYS: info, roomsIndex. ARGV: R, roomKey, scene, userID, memberJSON, visible, businessId, joinedAt, rtc, visible, silent limits.
  // The limits count the room without the member being replaced, exactly as MemoryRoomStore does.
  addMember: room(
    `
local info = R .. 'info'
local scene = redis.call('HGET', info, 'scene')
local exists = scene ~= false
if not exists then scene = ARGV[3] end
local user = ARGV[4]
local prev = redis.call('HGET', R .. 'members', user)
local total = redis.call('HLEN', R .. 'members')
local vis = redis.call('SCARD', R .. 'vis')
if prev then
  total = total - 1
  if redis.call('SISMEMBER', R .. 'vis', user) == 1 then vis = vis - 1 end
end
local visible = ARGV[6] == '1'
if scene == 'rtc' and total >= tonumber(ARGV[9]) then return {'refuse', 'rtc'} end
if visible and vis >= tonumber(ARGV[10]) then return {'refuse', 'visible'} end
if (not visible) and (total - vis) >= tonumber(ARGV[11]) then return {'refuse', 'silent'} end
local created = 0
if not exists then
  redis.call('HSET', info, 'scene', scene, 'createdAt', ARGV[8], 'eseq', '0')
  redis.call('SADD', KEYS[2], ARGV[2])
  created = 1
end
local cv = next_version()
if created == 1 then redis.call('HSET', info, 'epoch', cv) end
local replaced = {}
if prev then replaced = depart(user, true) end
redis.call('HSET', R .. 'members', user, ARGV[5])
if visible then redis.call('SADD', R .. 'vis', user) else redis.call('SADD', R .. 'sil', user) end
if ARGV[7] ~= '' then redis.call('SADD', R .. 'biz', ARGV[7]) end
return {'ok', cv, created, scene, redis.call('HGET', info, 'createdAt'), redis.call('SMEMBERS', R .. 'biz'), replaced}
`,
    2,
  ),

  // KEYS: info, roomsIndex. ARGV: R, roomKey, userID, sessionId. Only if the member is still that session.
  removeMember: room(
    `
local m = redis.call('HGET', R .. 'members', ARGV[3])
if (not m) or cjson.decode(m).sessionId ~= ARGV[4] then return {'none'} end
local cv = next_version()
local d = depart(ARGV[3], true)
return {'ok', cv, d, end_if_empty(KEYS[2], ARGV[2])}
`,
    2,
  ),

  // KEYS: info. ARGV: R. One consistent read: visible users, streams, and where the room's history stands.
  snapshot: room(
    `
local i = redis.call('HMGET', R .. 'info', 'cv', 'epoch', 'eseq')
return {redis.call('SMEMBERS', R .. 'vis'), redis.call('HVALS', R .. 'streams'), i[1] or '0', i[2] or '', i[3] or '0'}
`,
    1,
  ),

  // KEYS: info. ARGV: R, userID, visible, visibleLimit, silentLimit.
  setVisibility: room(
    `
local user = ARGV[2]
local m = redis.call('HGET', R .. 'members', user)
if not m then return {'refuse', 'notInRoom'} end
local member = cjson.decode(m)
local visible = ARGV[3] == '1'
if member.visible == visible then return {'same', m} end
if visible and redis.call('SCARD', R .. 'vis') >= tonumber(ARGV[4]) then return {'refuse', 'visible'} end
if (not visible) and redis.call('SCARD', R .. 'sil') >= tonumber(ARGV[5]) then return {'refuse', 'silent'} end
local cv = next_version()
local removed = {}
if not visible then removed = depart(user, false) end
member.visible = visible
local out = cjson.encode(member)
redis.call('HSET', R .. 'members', user, out)
if visible then redis.call('SMOVE', R .. 'sil', R .. 'vis', user) else redis.call('SMOVE', R .. 'vis', R .. 'sil', user) end
return {'ok', cv, out, removed}
`,
    1,
  ),

  // KEYS: info. ARGV: R, userID, audioMuted, videoMuted.
  setMute: room(
    `
local user = ARGV[2]
local m = redis.call('HGET', R .. 'members', user)
if not m then return {'none'} end
local member = cjson.decode(m)
local audioMuted, videoMuted = ARGV[3] == '1', ARGV[4] == '1'
member.muted = {audio = audioMuted, video = videoMuted}
local out = cjson.encode(member)
redis.call('HSET', R .. 'members', user, out)
local changed = {}
for _, t in ipairs({'main', 'aux'}) do
  local f = t .. ':' .. user
  local s = redis.call('HGET', R .. 'streams', f)
  if s then
    local st = cjson.decode(s)
    if st.audio ~= (not audioMuted) or st.video ~= (not videoMuted) then
      st.audio = not audioMuted
      st.video = not videoMuted
      s = cjson.encode(st)
      redis.call('HSET', R .. 'streams', f, s)
      table.insert(changed, s)
    end
  end
end
return {'ok', next_version(), out, changed}
`,
    1,
  ),

  // KEYS: info. ARGV: R, userID, streamType, anchorsLimit, live, since.
  publishStream: room(
    `
local user, stype = ARGV[2], ARGV[3]
local m = redis.call('HGET', R .. 'members', user)
if not m then return {'refuse', 'notInRoom'} end
local member = cjson.decode(m)
if not member.visible then return {'refuse', 'silentCannotPublish'} end
if member.role == 'audience' then return {'refuse', 'audienceCannotPublish'} end
local f = stype .. ':' .. user
local s = redis.call('HGET', R .. 'streams', f)
local live = ARGV[5] == '1'
if s then
  local became = 0
  local st = cjson.decode(s)
  if live and st.state == 'pending' then
    st.state = 'live'
    s = cjson.encode(st)
    redis.call('HSET', R .. 'streams', f, s)
    became = 1
  end
  return {'ok', next_version(), s, 0, became}
end
if redis.call('HGET', R .. 'info', 'scene') == 'live' then
  if redis.call('HEXISTS', R .. 'anchors', user) == 0 and redis.call('HLEN', R .. 'anchors') >= tonumber(ARGV[4]) then
    return {'refuse', 'roomFullLive'}
  end
end
local st = {userID = user, streamType = stype, audio = not member.muted.audio, video = not member.muted.video, state = live and 'live' or 'pending', since = tonumber(ARGV[6])}
s = cjson.encode(st)
redis.call('HSET', R .. 'streams', f, s)
redis.call('HINCRBY', R .. 'anchors', user, 1)
return {'ok', next_version(), s, 1, live and 1 or 0}
`,
    1,
  ),

  // KEYS: info. ARGV: R, userID, streamType, live.
  setStreamLive: room(
    `
local f = ARGV[3] .. ':' .. ARGV[2]
local s = redis.call('HGET', R .. 'streams', f)
if not s then return {'none'} end
local st = cjson.decode(s)
local target = ARGV[4] == '1' and 'live' or 'pending'
if st.state == target then return {'same', s} end
st.state = target
s = cjson.encode(st)
redis.call('HSET', R .. 'streams', f, s)
local dropped = {}
if target == 'pending' then drop_subs_to(ARGV[2], ARGV[3], dropped) end
return {'ok', next_version(), s, dropped}
`,
    1,
  ),

  // KEYS: info. ARGV: R, userID, streamType.
  unpublish: room(
    `
local user = ARGV[2]
local f = ARGV[3] .. ':' .. user
local s = redis.call('HGET', R .. 'streams', f)
if not s then return {'none'} end
redis.call('HDEL', R .. 'streams', f)
if redis.call('HINCRBY', R .. 'anchors', user, -1) <= 0 then redis.call('HDEL', R .. 'anchors', user) end
local dropped = {}
drop_subs_to(user, ARGV[3], dropped)
return {'ok', next_version(), s, dropped}
`,
    1,
  ),

  // KEYS: info. ARGV: R, subscriberID, userID, streamType, subscriptionJSON, limit.
  subscribe: room(
    `
local sub, user = ARGV[2], ARGV[3]
if redis.call('HEXISTS', R .. 'members', sub) == 0 then return {'refuse', 'notInRoom'} end
local f = ARGV[4] .. ':' .. user
local s = redis.call('HGET', R .. 'streams', f)
if (not s) or user == sub or redis.call('SISMEMBER', R .. 'vis', user) == 0 or cjson.decode(s).state ~= 'live' then
  return {'refuse', 'streamNotFound'}
end
local key = R .. 'subs:' .. sub
local existing = redis.call('HGET', key, f)
if existing then
  local e = cjson.decode(existing)
  local n = cjson.decode(ARGV[5])
  e.audio = n.audio
  e.video = n.video
  redis.call('HSET', key, f, cjson.encode(e))
  return {'ok', 0, redis.call('HLEN', key)}
end
local count = redis.call('HLEN', key)
if count >= tonumber(ARGV[6]) then return {'refuse', 'subscriptions'} end
redis.call('HSET', key, f, ARGV[5])
redis.call('SADD', R .. 'subbers:' .. f, sub)
return {'ok', 1, count + 1}
`,
    1,
  ),

  // KEYS: info. ARGV: R, subscriberID, userID, streamType.
  unsubscribe: room(
    `
local f = ARGV[4] .. ':' .. ARGV[3]
local n = redis.call('HDEL', R .. 'subs:' .. ARGV[2], f)
redis.call('SREM', R .. 'subbers:' .. f, ARGV[2])
return n
`,
    1,
  ),

  // KEYS: info. ARGV: R. Everything in the room, read at one instant: {} when there is no room.
  getRoom: room(
    `
return read_room()
`,
    1,
  ),

  // KEYS: info. ARGV: R. Counts for the admin list: {} when there is no room.
  summary: room(
    `
local i = redis.call('HMGET', R .. 'info', 'scene', 'createdAt')
if not i[1] then return {} end
local subs = 0
for _, user in ipairs(redis.call('HKEYS', R .. 'members')) do subs = subs + redis.call('HLEN', R .. 'subs:' .. user) end
return {i[1], i[2], redis.call('SMEMBERS', R .. 'biz'), redis.call('HLEN', R .. 'members'), redis.call('SCARD', R .. 'vis'), redis.call('HLEN', R .. 'streams'), subs}
`,
    1,
  ),

  // KEYS: info, roomsIndex. ARGV: R, roomKey. Reads the room like getRoom, then deletes it, in one step.
  deleteRoom: room(
    `
local out = read_room()
if not out[1] then return {} end
delete_room(KEYS[2], ARGV[2])
return out
`,
    2,
  ),

  // KEYS: info, subjcv, log. ARGV: R, channel, version, logSize, items JSON [{s: subject, b: body JSON}].
  // Numbers the notifications of one change into the room's log and publishes them, in one step, so every
  // process hears every room's notifications in the same order as the log holds them. A change is published
  // whole or not at all: it is dropped when a newer change about one of its subjects is already out, so two
  // processes changing one user at once (an admin removing someone who is publishing, the same user joining on
  // two processes) cannot leave the room hearing them backwards, or one change between the halves of another.
  // A departure (stream-removed, user-left) is only news to a room whose last word about the user was not a
  // departure: when a join lost its race to the change replacing it, the room hears the replacement's join
  // alone, never a leave of someone it did not hear arrive.
  announce: room(
    `
local info = R .. 'info'
local i = redis.call('HMGET', info, 'epoch')
local epoch = i[1]
if not epoch then return 0 end
local cv = ARGV[3]
if tonumber(cv) < tonumber(epoch) then return 0 end
local items = cjson.decode(ARGV[5])
local present = {}
for _, it in ipairs(items) do
  local last = redis.call('HGET', KEYS[2], it.s)
  if last and tonumber(last) > tonumber(cv) then return 0 end
  present[it.s] = last ~= false and redis.call('SISMEMBER', R .. 'gone', it.s) == 0
end
local n = 0
for _, it in ipairs(items) do
  local kind = cjson.decode(it.b).type
  if present[it.s] or (kind ~= 'user-left' and kind ~= 'stream-removed') then
    if kind == 'user-left' then
      redis.call('SADD', R .. 'gone', it.s)
      present[it.s] = false
    else
      redis.call('SREM', R .. 'gone', it.s)
      present[it.s] = true
    end
    redis.call('HSET', KEYS[2], it.s, cv)
    local e = redis.call('HINCRBY', info, 'eseq', 1)
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '0-' .. e, 'cv', cv, 'x', it.s, 'b', it.b)
    redis.call('PUBLISH', ARGV[2], '{"t":"n","ep":"' .. epoch .. '","e":' .. e .. ',"cv":"' .. cv .. '","x":' .. cjson.encode(it.s) .. ',"b":' .. it.b .. '}')
    n = n + 1
  end
end
return n
`,
    3,
  ),

  // KEYS: log. ARGV: R, afterEseq. Log entries after a position: {eseq, cv, except, body} each.
  readLog: room(
    `
local out = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '(0-' .. ARGV[2], '+')) do
  local f = e[2]
  table.insert(out, {string.match(e[1], '^0%-(%d+)$'), f[2], f[4], f[6]})
end
local i = redis.call('HMGET', R .. 'info', 'epoch', 'eseq')
return {i[1] or '', i[2] or '0', out}
`,
    1,
  ),

  // --- sessions -------------------------------------------------------------------------------------------

  // KEYS: sess, owned. ARGV: R, ownedEntry, field/value pairs...
  sessCreate: room(
    `
local fields = {}
for k = 3, #ARGV do table.insert(fields, ARGV[k]) end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('SADD', KEYS[2], ARGV[2])
return 1
`,
    2,
  ),

  // KEYS: sess. ARGV: R, owner, field/value pairs... Written only while `owner` still holds the session.
  sessSet: room(
    `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] or redis.call('HGET', KEYS[1], 'state') == 'closed' then return 0 end
local fields = {}
for k = 3, #ARGV do table.insert(fields, ARGV[k]) end
redis.call('HSET', KEYS[1], unpack(fields))
return 1
`,
    1,
  ),

  // KEYS: sess, buf. ARGV: R, owner, bodyJSON, eventSeq (or ''), bufferSize, '{"v":<version>,"seq":'.
  // Number a notification and keep it, if `owner` still holds the session: {'ok', seq, text} or why not.
  sessAppend: room(
    `
local f = redis.call('HMGET', KEYS[1], 'owner', 'state', 'reason')
if not f[1] then return {'gone'} end
if f[2] == 'closed' then return {'kicked', f[3] or ''} end
if f[1] ~= ARGV[2] then return {'moved'} end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local text = ARGV[6] .. seq .. ',' .. string.sub(ARGV[3], 2)
redis.call('RPUSH', KEYS[2], text)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'lastEseq', ARGV[4]) end
return {'ok', seq, text}
`,
    2,
  ),

  // KEYS: sess, graces. ARGV: R, owner, graceMs, gracesEntry. The socket went: the grace period starts.
  sessDetach: room(
    `
local f = redis.call('HMGET', KEYS[1], 'owner', 'state')
if f[1] ~= ARGV[2] or f[2] ~= 'active' then return false end
local deadline = now_ms() + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'state', 'detached', 'deadline', num(deadline))
redis.call('ZADD', KEYS[2], num(deadline), ARGV[4])
return num(deadline)
`,
    2,
  ),

  // KEYS: sess, buf, owned(new owner). ARGV: R, sessionId, tokenHash, newTokenHash, lastSeq, owner, bufferSize,
  // notification prefix, ownedEntry.
  // A resume, on whichever process the client reached: check the token, that the grace period has not run
  // out, that the member is still this session, and that everything after lastSeq can be given; replay into
  // the buffer what the room published since the previous owner last appended (it may have died); then take
  // the session. All or nothing: a refused resume changes nothing, and the old owner's next append fails.
  sessClaim: room(
    `
local s = redis.call('HMGET', KEYS[1], 'tokenHash', 'state', 'owner', 'deadline', 'seq', 'userID', 'epoch', 'floor', 'lastEseq')
if not s[1] then return {'gone'} end
if s[1] ~= ARGV[3] then return {'token'} end
if s[2] == 'closed' then return {'closed'} end
if s[2] == 'detached' and tonumber(s[4]) <= now_ms() then return {'expired'} end
local user = s[6]
local m = redis.call('HGET', R .. 'members', user)
if (not m) or cjson.decode(m).sessionId ~= ARGV[2] then return {'replaced'} end
local i = redis.call('HMGET', R .. 'info', 'epoch', 'eseq', 'cv')
local epoch = s[7]
if epoch ~= '' and i[1] ~= epoch then return {'replaced'} end
local seq = tonumber(s[5])
local lastSeq = tonumber(ARGV[5])
if lastSeq > seq then return {'seq'} end
local roomEseq = tonumber(i[2] or '0')
local lastE = tonumber(s[9])
local floor = tonumber(s[8])
if epoch == '' then
  -- The owner died between admitting the member and placing its session in the room's history: the
  -- session starts from now (the resume's snapshot gives the client the room as it is).
  epoch = i[1]
  floor = tonumber(i[3] or '0')
  lastE = roomEseq
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'floor', num(floor))
end
local replay = {}
if roomEseq > lastE then
  local entries = redis.call('XRANGE', R .. 'log', '(0-' .. num(lastE), '+')
  local first = entries[1]
  if (not first) or tonumber(string.match(first[1], '^0%-(%d+)$')) ~= lastE + 1 then return {'log'} end
  for _, e in ipairs(entries) do
    local f = e[2]
    if f[4] ~= user and tonumber(f[2]) > floor then table.insert(replay, f[6]) end
  end
end
local size = tonumber(ARGV[7])
local len = redis.call('LLEN', KEYS[2])
local newSeq = seq + #replay
local oldest = newSeq - math.min(size, len + #replay) + 1
if lastSeq + 1 < oldest then return {'buffer'} end
for _, b in ipairs(replay) do
  seq = seq + 1
  redis.call('RPUSH', KEYS[2], ARGV[8] .. seq .. ',' .. string.sub(b, 2))
end
redis.call('LTRIM', KEYS[2], -size, -1)
local previous = s[3]
redis.call('HSET', KEYS[1], 'seq', seq, 'lastEseq', num(roomEseq), 'owner', ARGV[6], 'state', 'active', 'deadline', '', 'tokenHash', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[9])
local missed = {}
for _, text in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  if tonumber(string.match(text, '"seq":(%d+)')) > lastSeq then table.insert(missed, text) end
end
local r = redis.call('HMGET', KEYS[1], 'userID', 'platform', 'businessId', 'urls', 'epoch', 'floor', 'sigExp')
return {'ok', previous, num(seq), num(roomEseq), r[1], r[2], r[3], r[4] or '{}', r[5] or '', r[6] or '0', missed, r[7] or '0'}
`,
    3,
  ),

  // KEYS: sess, buf, graces, roomsIndex. ARGV: R, roomKey, sessionId, gracesEntry, globalPrefix.
  // The grace period of a detached session ran out: it ends and its user leaves, exactly once whichever
  // processes try (the owner's timer, any process's sweeper). A resume that got there first wins.
  sessExpire: room(
    `
local f = redis.call('HMGET', KEYS[1], 'state', 'deadline', 'userID', 'owner')
if (not f[1]) or f[1] == 'closed' or f[1] == 'active' then
  redis.call('ZREM', KEYS[3], ARGV[4])
  return {f[1] or 'gone'}
end
local left = tonumber(f[2]) - now_ms()
if left > 0 then return {'wait', num(left)} end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[4])
if f[4] and f[4] ~= '' then redis.call('SREM', ARGV[5] .. 'proc:' .. f[4] .. ':owned', ARGV[4]) end
local user = f[3]
local m = redis.call('HGET', R .. 'members', user)
if (not m) or cjson.decode(m).sessionId ~= ARGV[3] then return {'expired'} end
local cv = next_version()
local d = depart(user, true)
return {'expired', cv, d, end_if_empty(KEYS[4], ARGV[2])}
`,
    4,
  ),

  // KEYS: sess, buf. ARGV: R, kickReason ('' = the session just ends), tombstoneTtlSec, globalPrefix, ownedEntry.
  // A kicked session stays as a tombstone for a while, so a process still holding it learns why it ended.
  sessEnd: room(
    `
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return false end
if owner ~= '' then redis.call('SREM', ARGV[4] .. 'proc:' .. owner .. ':owned', ARGV[5]) end
redis.call('DEL', KEYS[2])
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'state', 'closed', 'reason', ARGV[2])
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
end
return owner
`,
    2,
  ),

  // KEYS: sess, graces. ARGV: R, deadProcess, graceMs, gracesEntry. A dead process's session gets a grace period.
  sessReap: room(
    `
local f = redis.call('HMGET', KEYS[1], 'owner', 'state', 'deadline')
if not f[1] then return 'gone' end
if f[1] ~= ARGV[2] then return 'moved' end
if f[2] == 'active' then
  local deadline = num(now_ms() + tonumber(ARGV[3]))
  redis.call('HSET', KEYS[1], 'state', 'detached', 'deadline', deadline, 'owner', '')
  redis.call('ZADD', KEYS[2], deadline, ARGV[4])
  return 'detached'
end
if f[2] == 'detached' then
  redis.call('HSET', KEYS[1], 'owner', '')
  redis.call('ZADD', KEYS[2], f[3], ARGV[4])
end
return f[2]
`,
    2,
  ),

  // --- processes ------------------------------------------------------------------------------------------

  // KEYS: procs. ARGV: R(unused), processId, ttlMs. Renew this process's heartbeat; returns processes past theirs.
  heartbeat: room(
    `
local now = now_ms()
redis.call('ZADD', KEYS[1], num(now + tonumber(ARGV[3])), ARGV[2])
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', num(now), 'LIMIT', 0, 20)
`,
    1,
  ),

  // KEYS: procs. ARGV: R(unused), processId, leaseMs. Claim a dead process for reaping (one reaper at a time).
  reapClaim: room(
    `
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
local now = now_ms()
if (not score) or tonumber(score) > now then return 0 end
redis.call('ZADD', KEYS[1], num(now + tonumber(ARGV[3])), ARGV[2])
return 1
`,
    1,
  ),

  // KEYS: graces. ARGV: R(unused), limit. Detached sessions whose grace period is over, by Redis's clock.
  dueGraces: room(
    `
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', num(now_ms()), 'LIMIT', 0, tonumber(ARGV[2]))
`,
    1,
  ),
} satisfies Record<string, ScriptDef>;

export type ScriptName = keyof typeof SCRIPTS;
