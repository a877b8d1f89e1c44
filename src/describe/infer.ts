import type { Field, Vmsd } from './types.js';

/** The state type a description saves and loads. */
export type Infer<D> = D extends { readonly '~value'?: infer S } ? S : never;

export type Simplify<T> = { [K in keyof T]: T[K] } & {};

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;

type OneFieldState<F> =
  F extends Field<infer K, infer T> ? ([K] extends [never] ? never : { [P in K]: T }) : never;

/** The state members a field list contributes: one per keyed field (padding contributes none). */
export type FieldsState<F extends readonly Field[]> = [F[number]] extends [never]
  ? // biome-ignore lint/complexity/noBannedTypes: an empty field list has an empty state
    {}
  : UnionToIntersection<OneFieldState<F[number]>>;

/** What a list of subsections adds to its parent's state. */
export type SubsectionsState<Subs extends readonly unknown[]> = [Subs[number]] extends [never]
  ? // biome-ignore lint/complexity/noBannedTypes: no subsections add nothing
    {}
  : UnionToIntersection<
      Subs[number] extends infer X ? (X extends { readonly '~adds'?: infer A } ? A : never) : never
    >;

export type StateOf<D extends Vmsd> = Infer<D>;
