DROP INDEX "acme_authz_account_idx";--> statement-breakpoint
DROP INDEX "acme_authz_reuse_idx";--> statement-breakpoint
DROP INDEX "acme_orders_status_idx";--> statement-breakpoint
DROP INDEX "acme_orders_replaces_idx";--> statement-breakpoint
DROP INDEX "certificates_order_idx";--> statement-breakpoint
DROP INDEX "certificates_revoked_idx";--> statement-breakpoint
CREATE INDEX "acme_authz_identifier_idx" ON "acme_authorizations" USING btree ("account_id","identifier_type","identifier_value","wildcard");--> statement-breakpoint
CREATE INDEX "acme_orders_processing_idx" ON "acme_orders" USING btree ("lease_at") WHERE status = 'processing';--> statement-breakpoint
CREATE INDEX "acme_orders_replaces_idx" ON "acme_orders" USING btree ("replaces") WHERE replaces is not null;--> statement-breakpoint
CREATE INDEX "certificates_order_idx" ON "certificates" USING btree ("order_id","created_at") WHERE order_id is not null;--> statement-breakpoint
CREATE INDEX "certificates_revoked_idx" ON "certificates" USING btree ("revoked_at") WHERE revoked_at is not null;