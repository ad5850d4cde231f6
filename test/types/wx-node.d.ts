// Lets Node-side code (tests, the headless runtime) compile the SDK sources that use the `wx` global,
// without miniprogram-api-typings' index.d.ts, whose console/require declarations clash with @types/node.
/// <reference path="../../node_modules/miniprogram-api-typings/types/wx/lib.wx.api.d.ts" />
/// <reference path="../../node_modules/miniprogram-api-typings/types/wx/lib.wx.app.d.ts" />
/// <reference path="../../node_modules/miniprogram-api-typings/types/wx/lib.wx.page.d.ts" />
/// <reference path="../../node_modules/miniprogram-api-typings/types/wx/lib.wx.component.d.ts" />
/// <reference path="../../node_modules/miniprogram-api-typings/types/wx/lib.wx.behavior.d.ts" />
/// <reference path="../../node_modules/miniprogram-api-typings/types/wx/lib.wx.event.d.ts" />
/// <reference path="../../node_modules/miniprogram-api-typings/types/wx/lib.wx.cloud.d.ts" />
/// <reference path="../../node_modules/miniprogram-api-typings/types/wx/lib.wx.canvas.d.ts" />
/// <reference path="../../node_modules/miniprogram-api-typings/types/wx/lib.wx.wasm.d.ts" />
/// <reference path="../../node_modules/miniprogram-api-typings/types/wx/lib.wx.skyline.d.ts" />
/// <reference path="../../node_modules/miniprogram-api-typings/types/wx/lib.wx.glass-easel.d.ts" />

declare namespace WechatMiniprogram {
  type IAnyObject = Record<string, any>;
  type Optional<F> = F extends (arg: infer P) => infer R ? (arg?: P) => R : F;
  type OptionalInterface<T> = { [K in keyof T]: Optional<T[K]> };
  interface AsyncMethodOptionLike {
    success?: (...args: any[]) => void;
  }
  type PromisifySuccessResult<P, T extends AsyncMethodOptionLike> = P extends { success: any }
    ? void
    : P extends { fail: any }
      ? void
      : P extends { complete: any }
        ? void
        : Promise<Parameters<Exclude<T['success'], undefined>>[0]>;
  type IIRFilterNode = any;
  type WaveShaperNode = any;
  type ConstantSourceNode = any;
  type OscillatorNode = any;
  type GainNode = any;
  type BiquadFilterNode = any;
  type PeriodicWaveNode = any;
  type AudioNode = any;
  type ChannelSplitterNode = any;
  type ChannelMergerNode = any;
  type DelayNode = any;
  type DynamicsCompressorNode = any;
  type ScriptProcessorNode = any;
  type PannerNode = any;
  type AnalyserNode = any;
  type WebGLTexture = any;
  type WebGLRenderingContext = any;
}

declare var wx: WechatMiniprogram.Wx;
declare function getApp<T = Record<string, unknown>>(): T;
declare function getCurrentPages(): Array<Record<string, unknown>>;
