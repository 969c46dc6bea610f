import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/**
 * The data source for the TypeORM CLI (`npm run migration:generate`, `migration:run`).
 * It needs DATABASE_URL; `npm start` applies migrations by itself.
 */
const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('Set DATABASE_URL to use the TypeORM CLI (npm start applies migrations on its own).');
}
export default new DataSource(dataSourceOptions(url, 2));
