import { defineConfig } from 'drizzle-kit';

/** PostgreSQL migrations (EABGATE_DATABASE_URL): the same tables as drizzle.config.ts, described once in src/db/schema. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/pg.ts',
  out: './drizzle-pg',
});
