// Types for tls-sig-api-v2 (Tencent's userSig library ships none): only what server/usersig.ts uses.

declare module 'tls-sig-api-v2/TLSSigAPIv2.js' {
  export class Api {
    constructor(sdkappid: number, key: string);
    sdkappid: number;
    key: string;
    /** Base64 HMAC-SHA256 over the TLS.* fields, exactly as genSig computes it. */
    _hmacsha256(identifier: string, currTime: number, expire: number, base64UserBuf: string | null): string;
    genUserSig(userid: string, expire: number): string;
    genPrivateMapKey(userid: string, expire: number, roomid: number, privilegeMap: number): string;
    genPrivateMapKeyWithStringRoomID(userid: string, expire: number, roomstr: string, privilegeMap: number): string;
  }
}
