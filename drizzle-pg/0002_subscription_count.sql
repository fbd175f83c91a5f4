ALTER TABLE "subscriptions" ADD COLUMN "certificates_reserved" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The reservations held before the column existed.
UPDATE "subscriptions" SET "certificates_reserved" = (SELECT count(*) FROM "plan_reservations" WHERE "plan_reservations"."subscription_id" = "subscriptions"."id");
