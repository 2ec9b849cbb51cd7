// Numbers written as the names vRouter gives them: flow actions and flag bits.

import { FlowAction } from '../generated/vr'

export const ACTION_NAMES = Object.fromEntries(Object.entries(FlowAction).map(([k, v]) => [v, k])) as Record<number, string>

export function flagNames(flags: number, table: Record<string, number>): string[] {
  const out: string[] = []
  for (const [name, bit] of Object.entries(table)) if (flags & bit) out.push(name)
  return out
}
