import type { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { searchAttributeKeys } from '../workflows/search-attributes';

const ALREADY_EXISTS = 6;

/**
 * Registers the product's custom search attributes in a namespace. Safe to repeat: attributes that
 * already exist are left as they are.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const searchAttributes = Object.fromEntries(
    searchAttributeKeys.map((key) => [
      key.name,
      key.type === SearchAttributeType.INT
        ? temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT
        : temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    ]),
  );
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (error) {
    if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
  }
}
