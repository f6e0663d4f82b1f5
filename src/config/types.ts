/** The kinds of value an imapd.conf option can hold. */
export type OptionType =
  | 'string' // free text
  | 'int' // a whole number (may be negative)
  | 'switch' // boolean: yes/no/on/off/true/false/1/0
  | 'enum' // one word of `values`
  | 'bitfield' // several words of `values`, space separated
  | 'stringlist' // space- or comma-separated words (admins, sasl_mech_list)
  | 'path' // an absolute path; `{configdirectory}` may appear in it
  | 'duration' // a number with an optional unit (s, m, h, d); `unit` is the unit of a bare number
  | 'bytesize'; // a number with an optional K, M or G suffix (powers of 1024)

export type OptionValue = string | number | boolean | readonly string[] | null;

export interface OptionSpec {
  readonly name: string;
  readonly type: OptionType;
  /** Default as it would be written in imapd.conf; null means "unset". */
  readonly default: string | null;
  /** One line saying what the option does. */
  readonly doc: string;
  /** For enum and bitfield: the allowed words. */
  readonly values?: readonly string[];
  /** For duration: the unit of a bare number (Cyrus's per-option default unit). */
  readonly unit?: 's' | 'm' | 'h' | 'd';
  /** For int, duration and bytesize: the smallest value allowed (after unit conversion). */
  readonly min?: number;
  /** Which part of the server reads it (for the README's option reference). */
  readonly area: string;
}

/** Families of options whose name carries a variable part, e.g. partition-NAME. */
export const OPTION_FAMILIES = ['partition', 'metapartition', 'archivepartition', 'backuppartition', 'xlist'] as const;
export type OptionFamily = (typeof OPTION_FAMILIES)[number];

/** The families whose value is an absolute path (the others hold a name). */
export const PATH_FAMILIES: ReadonlySet<OptionFamily> = new Set(['partition', 'metapartition', 'archivepartition', 'backuppartition']);

/** The families in one line, for the option reference. */
export const OPTION_FAMILIES_DOC =
  'Families: `partition-NAME`, `metapartition-NAME`, `archivepartition-NAME`, `backuppartition-NAME` (absolute paths); ' +
  '`xlist-FLAG: folder` (an autocreated folder of that name gets the special-use attribute `\\FLAG`, FLAG one of RFC 6154\'s or of specialuse_extra).';
