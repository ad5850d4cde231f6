// checkEnterParams: every enterRoom field is validated with its own catalogue code, and valid input is normalized.

import { checkEnterParams, pusherAttributesIn, type ParamsCheck } from '../../src/core/enter-params';
import { ErrorCode } from '../../src/core/errors';
import { validParams } from '../helpers/status';

function codeOf(check: ParamsCheck): number | null {
  return check.ok ? null : check.error.code;
}

function paramsOf(check: ParamsCheck) {
  if (!check.ok) throw new Error(`expected valid params, got ${check.error.code} ${check.error.message}`);
  return check.params;
}

const without = (key: string): Record<string, unknown> => {
  const copy: Record<string, unknown> = { ...validParams };
  delete copy[key];
  return copy;
};

describe('the params object itself', () => {
  test.each([[null], [undefined], ['sdkAppID=1'], [42], [[validParams]]])('%p is refused with INVALID_ENTER_PARAMS', (input) => {
    expect(codeOf(checkEnterParams(input))).toBe(ErrorCode.INVALID_ENTER_PARAMS);
  });

  test('the seed example params are accepted and normalized', () => {
    const params = paramsOf(checkEnterParams(validParams));
    expect(params).toMatchObject({
      sdkAppID: 1400000001,
      userID: 'alice',
      userSig: 'sig-alice',
      roomID: 1234,
      strRoomID: null,
      scene: 'rtc',
      role: 'anchor',
      cloudenv: 'PRO',
      recvMode: 1,
      encsmall: 0,
      enableinfiniteanchor: 0,
    });
  });

  test('a non-boolean autoPublish or autoSubscribe is refused with INVALID_ENTER_PARAMS', () => {
    expect(codeOf(checkEnterParams({ ...validParams, autoPublish: 'yes' }))).toBe(ErrorCode.INVALID_ENTER_PARAMS);
    expect(codeOf(checkEnterParams({ ...validParams, autoSubscribe: 1 }))).toBe(ErrorCode.INVALID_ENTER_PARAMS);
  });

  test('a pusher attribute riding along with the wrong type is refused with INVALID_ATTRIBUTE', () => {
    expect(codeOf(checkEnterParams({ ...validParams, enableMic: 'true' }))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(pusherAttributesIn({ ...validParams, enableMic: true, strRoomID: 'x' })).toEqual({ enableMic: true });
  });
});

describe('sdkAppID', () => {
  test('missing is refused with INVALID_SDK_APP_ID', () => {
    expect(codeOf(checkEnterParams(without('sdkAppID')))).toBe(ErrorCode.INVALID_SDK_APP_ID);
  });

  test.each([[0], [-1], [1.5], ['abc'], [''], ['0'], [NaN], [null], [{}]])('%p is refused with INVALID_SDK_APP_ID', (sdkAppID) => {
    expect(codeOf(checkEnterParams({ ...validParams, sdkAppID }))).toBe(ErrorCode.INVALID_SDK_APP_ID);
  });

  test('a numeric string is accepted and normalized to a number', () => {
    expect(paramsOf(checkEnterParams({ ...validParams, sdkAppID: '1400000001' })).sdkAppID).toBe(1400000001);
  });
});

describe('userID', () => {
  test('missing is refused with INVALID_USER_ID', () => {
    expect(codeOf(checkEnterParams(without('userID')))).toBe(ErrorCode.INVALID_USER_ID);
  });

  test.each([[''], [123], [null]])('%p is refused with INVALID_USER_ID', (userID) => {
    expect(codeOf(checkEnterParams({ ...validParams, userID }))).toBe(ErrorCode.INVALID_USER_ID);
  });

  test('32 bytes are accepted, 33 bytes refused', () => {
    expect(paramsOf(checkEnterParams({ ...validParams, userID: 'u'.repeat(32) })).userID).toBe('u'.repeat(32));
    expect(codeOf(checkEnterParams({ ...validParams, userID: 'u'.repeat(33) }))).toBe(ErrorCode.INVALID_USER_ID);
  });

  test('multi-byte characters count as bytes, not characters', () => {
    // 11 characters, 33 bytes of UTF-8.
    expect(codeOf(checkEnterParams({ ...validParams, userID: '用'.repeat(11) }))).toBe(ErrorCode.INVALID_USER_ID);
  });

  // '+' reads as a space to a server that decodes the query, so it is refused like the url delimiters.
  test.each([['a&b'], ['a=b'], ['a?b'], ['a#b'], ['a b'], ['a/b'], ['a+b']])('%p (would break the room url) is refused with INVALID_USER_ID', (userID) => {
    expect(codeOf(checkEnterParams({ ...validParams, userID }))).toBe(ErrorCode.INVALID_USER_ID);
  });

  test('letters, digits and _ - @ . are accepted', () => {
    expect(paramsOf(checkEnterParams({ ...validParams, userID: 'A-z_0.9@xy' })).userID).toBe('A-z_0.9@xy');
  });
});

describe('userSig', () => {
  test('missing is refused with INVALID_USER_SIG', () => {
    expect(codeOf(checkEnterParams(without('userSig')))).toBe(ErrorCode.INVALID_USER_SIG);
  });

  test.each([[''], ['   '], [42]])('%p is refused with INVALID_USER_SIG', (userSig) => {
    expect(codeOf(checkEnterParams({ ...validParams, userSig }))).toBe(ErrorCode.INVALID_USER_SIG);
  });
});

describe('roomID', () => {
  test('missing (and no strRoomID) is refused with INVALID_ROOM_ID', () => {
    expect(codeOf(checkEnterParams(without('roomID')))).toBe(ErrorCode.INVALID_ROOM_ID);
  });

  test.each([[0], [-1], [4294967295], [1.5], ['abc'], ['12.5'], [Infinity]])('%p is refused with INVALID_ROOM_ID', (roomID) => {
    expect(codeOf(checkEnterParams({ ...validParams, roomID }))).toBe(ErrorCode.INVALID_ROOM_ID);
  });

  test('1 and 4294967294 (the bounds) are accepted', () => {
    expect(paramsOf(checkEnterParams({ ...validParams, roomID: 1 })).roomID).toBe(1);
    expect(paramsOf(checkEnterParams({ ...validParams, roomID: 4294967294 })).roomID).toBe(4294967294);
  });

  test("the numeric string '1234' is accepted and normalized to the number 1234", () => {
    const params = paramsOf(checkEnterParams({ ...validParams, roomID: '1234' }));
    expect(params.roomID).toBe(1234);
    expect(typeof params.roomID).toBe('number');
  });
});

describe('strRoomID', () => {
  test('64 bytes are accepted, 65 refused with INVALID_STR_ROOM_ID', () => {
    expect(paramsOf(checkEnterParams({ ...validParams, strRoomID: 'r'.repeat(64) })).strRoomID).toBe('r'.repeat(64));
    expect(codeOf(checkEnterParams({ ...validParams, strRoomID: 'r'.repeat(65) }))).toBe(ErrorCode.INVALID_STR_ROOM_ID);
  });

  test.each([['class&7'], ['a=b'], ['a b'], ['a?b'], ['a#b']])('%p is refused with INVALID_STR_ROOM_ID', (strRoomID) => {
    expect(codeOf(checkEnterParams({ ...validParams, strRoomID }))).toBe(ErrorCode.INVALID_STR_ROOM_ID);
  });

  test('a non-string strRoomID is refused with INVALID_STR_ROOM_ID', () => {
    expect(codeOf(checkEnterParams({ ...validParams, strRoomID: 77 }))).toBe(ErrorCode.INVALID_STR_ROOM_ID);
  });

  test('takes precedence over roomID: the room is the string one, roomID is dropped', () => {
    const params = paramsOf(checkEnterParams({ ...validParams, roomID: 1234, strRoomID: 'class-7A' }));
    expect(params.strRoomID).toBe('class-7A');
    expect(params.roomID).toBeNull();
  });

  test('an invalid roomID does not matter when a valid strRoomID is given', () => {
    const params = paramsOf(checkEnterParams({ ...validParams, roomID: 0, strRoomID: 'class-7A' }));
    expect(params.strRoomID).toBe('class-7A');
  });

  test('an empty strRoomID falls back to roomID', () => {
    const params = paramsOf(checkEnterParams({ ...validParams, strRoomID: '' }));
    expect(params.roomID).toBe(1234);
    expect(params.strRoomID).toBeNull();
  });
});

describe('scene and role', () => {
  test.each([['rtc'], ['live'], ['videocall'], ['audiocall']])('scene %p is accepted', (scene) => {
    expect(paramsOf(checkEnterParams({ ...validParams, scene })).scene).toBe(scene);
  });

  test.each([['meeting'], ['RTC'], [1]])('scene %p is refused with INVALID_SCENE', (scene) => {
    expect(codeOf(checkEnterParams({ ...validParams, scene }))).toBe(ErrorCode.INVALID_SCENE);
  });

  test('scene defaults to rtc and role to anchor', () => {
    const params = paramsOf(checkEnterParams(validParams));
    expect(params.scene).toBe('rtc');
    expect(params.role).toBe('anchor');
    expect(params.autoPublish).toBe(true);
  });

  test.each([['anchor'], ['audience']])('role %p is accepted', (role) => {
    expect(paramsOf(checkEnterParams({ ...validParams, role })).role).toBe(role);
  });

  // trtc-cloud-wx passes TRTCParams.role unchanged: TRTCRoleAnchor 20, TRTCRoleAudience 21 (trtc-wx takes them).
  test.each([[20, 'anchor'], [21, 'audience']])('numeric role %p means %p', (role, meaning) => {
    const params = paramsOf(checkEnterParams({ ...validParams, role }));
    expect(params.role).toBe(meaning);
    expect(params.autoPublish).toBe(meaning === 'anchor');
  });

  // trtc-cloud-wx sends translateTRTCAppScene(scene): '' when the page gave none, 'voicechatroom' for scene 3.
  test.each([[''], ['voicechatroom']])('scene %p is entered as trtc-wx enters it', (scene) => {
    expect(paramsOf(checkEnterParams({ ...validParams, scene })).scene).toBe(scene === '' ? 'rtc' : scene);
  });

  test('an audience does not publish by default', () => {
    expect(paramsOf(checkEnterParams({ ...validParams, role: 'audience' })).autoPublish).toBe(false);
  });

  test.each([['host'], ['Anchor'], [0], [22], ['20']])('role %p is refused with INVALID_ROLE', (role) => {
    expect(codeOf(checkEnterParams({ ...validParams, role }))).toBe(ErrorCode.INVALID_ROLE);
  });
});

describe('optional trtc-wx url options are normalized', () => {
  test('values are kept and either spelling of userDefineRecordId is read', () => {
    const params = paramsOf(
      checkEnterParams({
        ...validParams,
        userDefineRecordID: 'rec_1',
        privateMapKey: 'pmk',
        streamID: 's1',
        encsmall: 1,
        cloudenv: 'TEST',
        enableBlackStream: 1,
        pureAudioMode: 1,
        recvMode: 2,
        enableinfiniteanchor: 1,
      }),
    );
    expect(params).toMatchObject({
      userDefineRecordId: 'rec_1',
      privateMapKey: 'pmk',
      streamID: 's1',
      encsmall: 1,
      cloudenv: 'TEST',
      enableBlackStream: '1',
      pureAudioMode: '1',
      recvMode: 2,
      enableinfiniteanchor: 1,
    });
    expect(paramsOf(checkEnterParams({ ...validParams, userDefineRecordId: 'rec_2' })).userDefineRecordId).toBe('rec_2');
  });
});

describe('url options with a documented alphabet (they travel inside the room url)', () => {
  test.each([
    ['userDefineRecordId', 'rec 1'],
    ['userDefineRecordId', 'r'.repeat(65)],
    ['userDefineRecordID', 'x&usersig=EVIL'],
    ['streamID', 's#1'],
    ['streamID', { id: 1 }],
    ['privateMapKey', 'key&roomid=9'],
    ['privateMapKey', 'k'.repeat(4097)],
  ])('%s %p is refused with INVALID_URL_PARAM naming the field', (field, value) => {
    const check = checkEnterParams({ ...validParams, [field]: value });
    expect(codeOf(check)).toBe(ErrorCode.INVALID_URL_PARAM);
    expect(check.ok ? null : check.error.data).toEqual({ key: field === 'userDefineRecordID' ? 'userDefineRecordId' : field });
  });

  test('64 bytes of a-zA-Z0-9_- and a TLS-signed key are kept; a number is read as its digits', () => {
    const record = `R_${'x'.repeat(60)}-9`;
    expect(paramsOf(checkEnterParams({ ...validParams, userDefineRecordId: record })).userDefineRecordId).toBe(record);
    expect(paramsOf(checkEnterParams({ ...validParams, privateMapKey: 'eJw*-_+/=' })).privateMapKey).toBe('eJw*-_+/=');
    expect(paramsOf(checkEnterParams({ ...validParams, streamID: 42 })).streamID).toBe('42');
  });
});
