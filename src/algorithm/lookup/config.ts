import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

/** PaiRec's LookupConf. */
export const LookupConfSchema = Type.Object(
  {
    /** Item feature whose numeric value is the score. */
    FieldName: Type.String({ minLength: 1, maxLength: 256 }),
    /** Score of an item whose feature is missing or not a number (PaiRec: 0.5). */
    DefaultScore: Type.Number({ default: 0.5 }),
  },
  { additionalProperties: false },
);
export type LookupConf = Static<typeof LookupConfSchema>;
