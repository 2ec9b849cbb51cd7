// The error every table operation throws when a table cannot be opened or read.

/** A table could not be opened or read: wrong or short size, missing file, unknown layout. */
export class TableError extends Error {
  /** Always `'TableError'`: tells the error apart after serialisation, where `instanceof` no longer works. */
  override name = 'TableError' as const
  /** `ERR_TABLE_SIZE`, `ERR_TABLE_NOT_FOUND`, `ERR_TABLE_LAYOUT`, `ERR_PERMISSION_DENIED`, `ERR_TABLE_INVALID`, `ERR_TABLE_UNSUPPORTED`, `ERR_TABLE_IO`, `ERR_TABLE_CLOSED`. */
  readonly code: string

  constructor(message: string, code: string) {
    super(message)
    this.code = code
  }
}
