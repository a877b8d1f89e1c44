import { initial } from '../../codec/index.js';
import type { MigrationContext, PropValue } from '../../describe/index.js';
import { type ArbitraryOptions, buildArbitrary, checkOverridesUsed } from './arbitrary.js';
import { fc } from './fast-check.js';
import type { ReleasedVersion, VersionState } from './versions.js';

export interface VersionArbitraryOptions {
  /** The machine type's context (`machines.context(name)`). */
  ctx: MigrationContext;
  /** By path prefixed with the section key: `'fdc.state.drives[].head'`. See {@link ArbitraryOptions}. */
  overrides?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  /** A model-specific generator for whole sections, by section key: used instead of the derived one. */
  model?: Readonly<Record<string, fc.Arbitrary<Record<string, unknown>>>>;
  /** See {@link ArbitraryOptions.prevalent}; also how often a section with `needed` is left at reset. */
  prevalent?: number;
  /** See {@link ArbitraryOptions.machineDefaults} (the lab passes `versions.machines.defaults`). */
  machineDefaults?: Readonly<Record<string, PropValue>>;
  /** See {@link ArbitraryOptions.switchesOff} (the lab passes `versions.switchesOff`). */
  switchesOff?: readonly string[];
}

/** States of a whole release under one machine type: each section's state under its key. */
export function arbitraryForVersion(
  version: ReleasedVersion,
  options: VersionArbitraryOptions,
): fc.Arbitrary<VersionState> {
  return versionArbitrary(version, options, true);
}

/**
 * @internal With `strict` false, override paths this version lacks are allowed (the matrix shares
 * one override table across versions) and the matched ones are added to `consumed`.
 */
export function versionArbitrary(
  version: ReleasedVersion,
  options: VersionArbitraryOptions,
  strict: boolean,
  consumed?: Set<string>,
): fc.Arbitrary<VersionState> {
  const used = new Set<string>();
  const p = options.prevalent ?? 0.5;
  const record: Record<string, fc.Arbitrary<Record<string, unknown>>> = {};
  for (const s of version.sections) {
    const given = options.model?.[s.key];
    let arb =
      given ??
      buildArbitrary(
        s.vmsd,
        {
          ctx: options.ctx,
          prevalent: p,
          ...(options.machineDefaults ? { machineDefaults: options.machineDefaults } : {}),
          ...(options.switchesOff ? { switchesOff: options.switchesOff } : {}),
          ...(options.overrides ? { overrides: options.overrides } : {}),
        },
        `${s.key}.`,
        used,
      );
    if (given === undefined && s.vmsd.needed && p > 0) {
      // A section whose `needed` is false is not sent: the receiver keeps its reset state.
      const reset = initial(s.vmsd) as Record<string, unknown>;
      arb = fc.oneof(
        {
          arbitrary: fc.constant(reset).map((r) => structuredClone(r)),
          weight: Math.max(1, Math.round(p * 10)),
        },
        { arbitrary: arb, weight: Math.max(1, Math.round((1 - p) * 10)) },
      );
    }
    record[s.key] = arb;
  }
  if (strict) checkOverridesUsed(options.overrides, used);
  else for (const p of used) consumed?.add(p);
  return fc.record(record);
}
