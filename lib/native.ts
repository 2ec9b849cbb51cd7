// The native module, typed. Only lib/ talks to it; users import the facade.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const native: typeof import('../index') = require('../index.js')

export default native
export type { DecodeFailure } from '../index'
