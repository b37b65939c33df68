/**
 * The shape of an object as far as unknown-field strictness needs it: which field names exist,
 * and how to descend into lists and maps. Leaf types are checked by the kubernetes-models validators.
 */
export type FieldType =
  | { readonly type: 'object'; readonly fields: () => ReadonlyMap<string, FieldType> }
  | { readonly type: 'array'; readonly items: FieldType }
  | { readonly type: 'map'; readonly values: FieldType }
  /** A string, number or boolean (int-or-string and quantities included). */
  | { readonly type: 'scalar' }
  /** Any value: free-form objects (`x-kubernetes-preserve-unknown-fields`, RawExtension). */
  | { readonly type: 'open' };

export const SCALAR: FieldType = { type: 'scalar' };
export const OPEN: FieldType = { type: 'open' };
