// Types of the native module loaded by index.js (generated into native.d.ts by `napi build`).
export * from './native'
