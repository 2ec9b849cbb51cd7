// Where a table is: a `TableSource` given, or asked of vRouter over ksync; and the shape the
// native open takes it in.

import type { Ksync } from '../ksync'
import { FlowOp } from '../generated/vr'
import type { NativeTableFailure } from '../../index'
import { TableError } from './errors'
import type { FlowTable } from './flow-table'

/** Where a table is, as a table query answers it. */
export interface TableSource {
  /** The table file (`ftable_file_path`: DPDK vRouter, the simulator, kernel hugepages). On Windows, a section name: the simulator names its section there (the driver leaves it empty). */
  path?: string
  /** A Windows section name (the simulator on Windows). With neither `section` nor `path`, Windows maps the driver's `\\.\vrouterFlow` / `\\.\vrouterBridge`. */
  section?: string
  /** The kernel module's char-device major (`ftable_dev`), when there is no path. */
  deviceMajor?: number
  /** Where the device node is, or is created (default `/dev`). */
  devDir?: string
  /** Bytes of the table (`ftable_size`); checked against the file and the geometry. */
  size: number
  /** Main entries (`vo_flow_entries`); default: derived from `size` by vRouter's overflow rule. */
  mainEntries?: number
  /** Overflow entries (`vo_oflow_entries`), with `mainEntries`. */
  overflowEntries?: number
}

/** Options of {@link FlowTable.open}. */
export interface FlowTableOptions {
  /** The flow-entry layout: 2024 (tf-vrouter, default) or 2019 (Juniper's, the Windows era). Nothing in a table says which. */
  layout?: '2024' | '2019' | 2024 | 2019
  /** For a table found through ksync: where the kernel module's device node is made (default `/dev`). */
  devDir?: string
  signal?: AbortSignal
  timeoutMs?: number
}

export function failure(r: object): r is NativeTableFailure {
  return 'code' in r && 'message' in r && typeof (r as NativeTableFailure).code === 'string'
}

/** Asks vRouter over ksync where a table is (and, for its geometry, `vrouter_ops`). */
export async function queryFlowTable(ksync: Ksync, options: FlowTableOptions): Promise<TableSource> {
  const reply = await ksync.request('vr_flow_table_data', FlowOp.FLOW_TABLE_GET, {}, options)
  const data = reply.objects.find((o) => o.name === 'vr_flow_table_data')?.fields as
    | { ftable_size: number; ftable_dev: number; ftable_file_path: string }
    | undefined
  if (!data) throw new TableError('vr_flow_table_data: no table data in the answer', 'ERR_TABLE_INVALID')
  const ops = await ksync.get('vrouter_ops', {}, options).catch(() => undefined)
  return {
    path: data.ftable_file_path || undefined,
    deviceMajor: data.ftable_file_path ? undefined : data.ftable_dev,
    devDir: options.devDir,
    size: data.ftable_size,
    mainEntries: ops && ops.vo_flow_entries > 0 ? ops.vo_flow_entries : undefined,
    overflowEntries: ops && ops.vo_flow_entries > 0 ? ops.vo_oflow_entries : undefined,
  }
}

export async function queryBridgeTable(ksync: Ksync, options: FlowTableOptions): Promise<TableSource> {
  const data = await ksync.get('vr_bridge_table_data', {}, options)
  const ops = await ksync.get('vrouter_ops', {}, options).catch(() => undefined)
  return {
    path: data.btable_file_path || undefined,
    deviceMajor: data.btable_file_path ? undefined : data.btable_dev,
    devDir: options.devDir,
    size: data.btable_size,
    mainEntries: ops && ops.vo_bridge_entries > 0 ? ops.vo_bridge_entries : undefined,
    overflowEntries: ops && ops.vo_bridge_entries > 0 ? ops.vo_oflow_bridge_entries : undefined,
  }
}

export function nativeSource(s: TableSource) {
  return {
    path: s.path,
    section: s.section,
    deviceMajor: s.deviceMajor,
    devDir: s.devDir,
    size: s.size,
    mainEntries: s.mainEntries,
    overflowEntries: s.overflowEntries,
  }
}
