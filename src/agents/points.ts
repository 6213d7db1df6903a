// Which vantage points probe a channel: its registry list (`vantage: [central, kz]`), or the
// configured default for its type, each with whether it is domestic. The ProbeWriter, the API and
// the board take this as a callback, so the store holds no configuration.

import type { ChannelOptions } from '../domain.ts';
import { CENTRAL, type VantageConfig, type VantagePoint } from './config.ts';

/** True when the configuration names points besides `central`: only then is there anything to combine. */
export const hasVantagePoints = (config: VantageConfig): boolean => config.points.some((p) => p.name !== CENTRAL);

export function channelPoints(config: VantageConfig, channel: { type: string; options: ChannelOptions }): VantagePoint[] {
  const names = channel.options.vantage ?? (channel.type === 'phone' ? config.defaults.phone : config.defaults.website);
  // A name the configuration no longer has (the registry is validated against it) counts as abroad.
  return names.map((name) => config.points.find((p) => p.name === name) ?? { name, domestic: false });
}
