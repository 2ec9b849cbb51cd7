// The native module, typed. Only lib/ talks to it; users import the facade.

import type { DecodeFailure, NativeEventBatch, NativeKsync } from '../index'

/**
 * Entry points exported as plain Node-API callbacks (crates/node/src/raw.rs), which napi's
 * type generation does not see: their types are declared here.
 */
interface PlainCallbacks {
  /** Decodes onto the attached tape; see crates/node/src/codec.rs. */
  decodeTape(input: Uint8Array, poolOffset: number): string | DecodeFailure | undefined
  resumeTape(poolOffset: number): string | DecodeFailure | undefined
  /** Encodes `count` messages from the attached tape; the length, or minus the length needed. */
  encodeTape(count: number, strs: string): number
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const native: typeof import('../index') & PlainCallbacks = require('../index.js')

export default native
export type { DecodeFailure, NativeEventBatch, NativeKsync }
