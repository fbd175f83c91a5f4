CREATE TABLE "acme_accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"thumbprint" text NOT NULL,
	"jwk" jsonb NOT NULL,
	"status" text NOT NULL,
	"contact" jsonb NOT NULL,
	"eab_kid" text NOT NULL,
	"subscription_id" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "acme_accounts_thumbprint_unique" UNIQUE("thumbprint")
);
--> statement-breakpoint
CREATE TABLE "acme_authorizations" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"account_id" text NOT NULL,
	"identifier_type" text NOT NULL,
	"identifier_value" text NOT NULL,
	"wildcard" boolean NOT NULL,
	"status" text NOT NULL,
	"expires" timestamp (3) with time zone NOT NULL,
	"validated_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "acme_challenges" (
	"id" text PRIMARY KEY NOT NULL,
	"authz_id" text NOT NULL,
	"type" text NOT NULL,
	"token" text NOT NULL,
	"status" text NOT NULL,
	"validated" timestamp (3) with time zone,
	"error" jsonb,
	"attempted_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "acme_nonces" (
	"nonce" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "acme_order_authorizations" (
	"order_id" text NOT NULL,
	"authz_id" text NOT NULL,
	CONSTRAINT "acme_order_authorizations_order_id_authz_id_pk" PRIMARY KEY("order_id","authz_id")
);
--> statement-breakpoint
CREATE TABLE "acme_orders" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"status" text NOT NULL,
	"identifiers" jsonb NOT NULL,
	"not_before" timestamp (3) with time zone,
	"not_after" timestamp (3) with time zone,
	"expires" timestamp (3) with time zone NOT NULL,
	"error" jsonb,
	"certificate_id" text,
	"issuer_handle" text,
	"replaces" text,
	"profile" text,
	"csr_pem" text,
	"processing_started_at" timestamp (3) with time zone,
	"lease_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ca_material" (
	"id" text PRIMARY KEY NOT NULL,
	"root_cert_pem" text NOT NULL,
	"intermediate_cert_pem" text NOT NULL,
	"root_key_sealed" text NOT NULL,
	"intermediate_key_sealed" text NOT NULL,
	"crl_number" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "certificates" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text,
	"acme_order_id" text,
	"serial_hex" text NOT NULL,
	"cert_pem" text NOT NULL,
	"chain_pem" text NOT NULL,
	"issuer" text NOT NULL,
	"not_before" timestamp (3) with time zone NOT NULL,
	"not_after" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	"revocation_reason" integer,
	"replaced_by" text,
	"issuance_id" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "certificates_serial_hex_unique" UNIQUE("serial_hex"),
	CONSTRAINT "certificates_issuance_id_unique" UNIQUE("issuance_id")
);
--> statement-breakpoint
CREATE TABLE "customer_mail" (
	"customer_id" text PRIMARY KEY NOT NULL,
	"verified_at" timestamp (3) with time zone,
	"omit_ca_reference" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "customers_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "domain_validations" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"domain" text NOT NULL,
	"token" text NOT NULL,
	"key_authorization" text NOT NULL,
	"status" text NOT NULL,
	"method" text,
	"last_checked_at" timestamp (3) with time zone,
	"last_result" text,
	"validated_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "eab_credentials" (
	"kid" text PRIMARY KEY NOT NULL,
	"subscription_id" text NOT NULL,
	"hmac_key_sealed" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"reveal_until" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "eab_views" (
	"id" text PRIMARY KEY NOT NULL,
	"kid" text NOT NULL,
	"viewed_at" timestamp (3) with time zone NOT NULL,
	"client_address" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mail_outbox" (
	"id" text PRIMARY KEY NOT NULL,
	"event_key" text NOT NULL,
	"recipient" text NOT NULL,
	"kind" text NOT NULL,
	"sealed" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer NOT NULL,
	"next_attempt_at" timestamp (3) with time zone NOT NULL,
	"lease_until" timestamp (3) with time zone,
	"last_error" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"sent_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "mail_tokens" (
	"digest" text PRIMARY KEY NOT NULL,
	"purpose" text NOT NULL,
	"subject_id" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" text PRIMARY KEY NOT NULL,
	"order_number" text NOT NULL,
	"customer_id" text NOT NULL,
	"ca_reference_digest" text NOT NULL,
	"product" text NOT NULL,
	"domains" jsonb NOT NULL,
	"organization" jsonb NOT NULL,
	"csr_pem" text NOT NULL,
	"auto_csr" boolean NOT NULL,
	"status" text NOT NULL,
	"status_reason" text,
	"issuer_handle" text,
	"issuance_id" text,
	"issuance_started_at" timestamp (3) with time zone,
	"issuance_lease_at" timestamp (3) with time zone,
	"replaces_certificate_id" text,
	"approved_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	"processed_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"renews_order_id" text,
	CONSTRAINT "orders_order_number_unique" UNIQUE("order_number"),
	CONSTRAINT "orders_ca_reference_digest_unique" UNIQUE("ca_reference_digest"),
	CONSTRAINT "orders_renews_order_id_unique" UNIQUE("renews_order_id")
);
--> statement-breakpoint
CREATE TABLE "plan_reservations" (
	"acme_order_id" text PRIMARY KEY NOT NULL,
	"subscription_id" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"token_digest" text PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" text PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"plan" text NOT NULL,
	"max_certificates" integer NOT NULL,
	"max_names_per_order" integer NOT NULL,
	"wildcards" boolean NOT NULL,
	"max_validity_days" integer NOT NULL,
	"max_accounts_per_credential" integer,
	"not_after" timestamp (3) with time zone NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "throttles" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer NOT NULL,
	"window_start" timestamp (3) with time zone NOT NULL,
	"blocked_until" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "unlock_codes" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"sealed" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "upstream_orders" (
	"id" text PRIMARY KEY NOT NULL,
	"order_url" text NOT NULL,
	"status" text NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"authorizations" jsonb NOT NULL,
	"detail" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "acme_accounts" ADD CONSTRAINT "acme_accounts_subscription_id_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."subscriptions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_authorizations" ADD CONSTRAINT "acme_authorizations_order_id_acme_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."acme_orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_challenges" ADD CONSTRAINT "acme_challenges_authz_id_acme_authorizations_id_fk" FOREIGN KEY ("authz_id") REFERENCES "public"."acme_authorizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_order_authorizations" ADD CONSTRAINT "acme_order_authorizations_order_id_acme_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."acme_orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_orders" ADD CONSTRAINT "acme_orders_account_id_acme_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."acme_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_mail" ADD CONSTRAINT "customer_mail_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "domain_validations" ADD CONSTRAINT "domain_validations_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eab_credentials" ADD CONSTRAINT "eab_credentials_subscription_id_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."subscriptions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eab_views" ADD CONSTRAINT "eab_views_kid_eab_credentials_kid_fk" FOREIGN KEY ("kid") REFERENCES "public"."eab_credentials"("kid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_reservations" ADD CONSTRAINT "plan_reservations_subscription_id_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."subscriptions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unlock_codes" ADD CONSTRAINT "unlock_codes_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "upstream_orders" ADD CONSTRAINT "upstream_orders_id_orders_id_fk" FOREIGN KEY ("id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "acme_accounts_kid_idx" ON "acme_accounts" USING btree ("eab_kid");--> statement-breakpoint
CREATE INDEX "acme_authz_order_idx" ON "acme_authorizations" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "acme_authz_account_idx" ON "acme_authorizations" USING btree ("account_id","status");--> statement-breakpoint
CREATE INDEX "acme_authz_reuse_idx" ON "acme_authorizations" USING btree ("account_id","identifier_type","identifier_value","wildcard","status");--> statement-breakpoint
CREATE INDEX "acme_chall_authz_idx" ON "acme_challenges" USING btree ("authz_id");--> statement-breakpoint
CREATE INDEX "acme_nonces_expires_idx" ON "acme_nonces" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "acme_order_authz_authz_idx" ON "acme_order_authorizations" USING btree ("authz_id");--> statement-breakpoint
CREATE INDEX "acme_orders_account_idx" ON "acme_orders" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "acme_orders_replaces_idx" ON "acme_orders" USING btree ("replaces");--> statement-breakpoint
CREATE INDEX "acme_orders_status_idx" ON "acme_orders" USING btree ("status","lease_at");--> statement-breakpoint
CREATE INDEX "certificates_order_idx" ON "certificates" USING btree ("order_id","created_at");--> statement-breakpoint
CREATE INDEX "certificates_revoked_idx" ON "certificates" USING btree ("revoked_at");--> statement-breakpoint
CREATE UNIQUE INDEX "domain_validations_order_domain" ON "domain_validations" USING btree ("order_id","domain");--> statement-breakpoint
CREATE INDEX "eab_credentials_subscription_idx" ON "eab_credentials" USING btree ("subscription_id");--> statement-breakpoint
CREATE INDEX "eab_views_kid_idx" ON "eab_views" USING btree ("kid","viewed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "mail_outbox_event_recipient" ON "mail_outbox" USING btree ("event_key","recipient");--> statement-breakpoint
CREATE INDEX "mail_outbox_due_idx" ON "mail_outbox" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "mail_tokens_subject_idx" ON "mail_tokens" USING btree ("subject_id","purpose");--> statement-breakpoint
CREATE INDEX "mail_tokens_expires_idx" ON "mail_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "orders_customer_idx" ON "orders" USING btree ("customer_id","created_at");--> statement-breakpoint
CREATE INDEX "orders_status_idx" ON "orders" USING btree ("status","issuance_lease_at");--> statement-breakpoint
CREATE INDEX "plan_reservations_subscription_idx" ON "plan_reservations" USING btree ("subscription_id");--> statement-breakpoint
CREATE INDEX "sessions_expires_idx" ON "sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "subscriptions_customer_idx" ON "subscriptions" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "unlock_codes_order_idx" ON "unlock_codes" USING btree ("order_id","created_at");--> statement-breakpoint
CREATE INDEX "unlock_codes_expires_idx" ON "unlock_codes" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "upstream_orders_status_idx" ON "upstream_orders" USING btree ("status");