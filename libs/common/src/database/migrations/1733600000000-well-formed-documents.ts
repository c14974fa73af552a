import { MigrationInterface, QueryRunner } from 'typeorm';
import { rawQuery } from '../raw-query';

/**
 * Repairs documents stored before request bodies were made well formed (body-parsing.ts): a
 * string holding half of a surrogate pair was stored as JSON text with a lone `\udXXX` escape,
 * which PostgreSQL's json and jsonb refuse, so every filter outside the indexed columns failed
 * for the whole company. Each such string now holds U+FFFD, as a new request's would, and the
 * resource's version moves on (its representation changed; RFC 7644 §3.14).
 *
 * Only rows whose text holds a `\ud` escape at all are read (JSON.stringify writes the escape
 * in lower case, and only for a lone half), so the scan reads the text once and parses almost
 * nothing. The same on both engines: SQLite accepted the escapes, but the two should store the
 * same text.
 */
export class WellFormedDocuments1733600000000 implements MigrationInterface {
  name = 'WellFormedDocuments1733600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['scim_users', 'scim_groups']) {
      const rows = (await queryRunner.query(
        `SELECT "id", "document", "searchDocument" FROM "${table}"
          WHERE "document" LIKE '%\\ud%' ESCAPE '!' OR "searchDocument" LIKE '%\\ud%' ESCAPE '!'`,
      )) as { id: string; document: string; searchDocument: string }[];
      for (const row of rows) {
        const document = wellFormedJson(row.document);
        const searchDocument = wellFormedJson(row.searchDocument);
        if (document === row.document && searchDocument === row.searchDocument) continue;
        await rawQuery(
          queryRunner.manager,
          `UPDATE "${table}" SET "document" = $1, "searchDocument" = $2, "version" = "version" + 1
            WHERE "id" = $3`,
          [document, searchDocument, row.id],
        );
      }
    }
  }

  async down(): Promise<void> {
    // U+FFFD cannot be turned back into the half it replaced, nor need it be.
  }
}

/**
 * The JSON text with every string (keys included) well formed; the same text if it was, or if
 * it is not JSON at all (not this migration's to judge).
 */
export function wellFormedJson(text: string): string {
  let changed = false;
  const wellFormed = (value: string): string => {
    if (value.isWellFormed()) return value;
    changed = true;
    return value.toWellFormed();
  };
  let value: unknown;
  try {
    value = JSON.parse(text, function (this: object, key, inner: unknown) {
      const revived = typeof inner === 'string' ? wellFormed(inner) : inner;
      const goodKey = wellFormed(key);
      if (goodKey === key) return revived;
      // JSON.parse keeps a key as given: the value moves to the well-formed key.
      Object.defineProperty(this, goodKey, {
        value: revived,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      return undefined;
    });
  } catch {
    return text;
  }
  return changed ? JSON.stringify(value) : text;
}
