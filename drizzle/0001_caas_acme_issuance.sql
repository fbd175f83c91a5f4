CREATE TABLE `ca_material` (
	`id` text PRIMARY KEY NOT NULL,
	`root_cert_pem` text NOT NULL,
	`intermediate_cert_pem` text NOT NULL,
	`root_key_sealed` text NOT NULL,
	`intermediate_key_sealed` text NOT NULL,
	`crl_number` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `certificates` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text,
	`acme_order_id` text,
	`serial_hex` text NOT NULL,
	`cert_pem` text NOT NULL,
	`chain_pem` text NOT NULL,
	`issuer` text NOT NULL,
	`not_before` integer NOT NULL,
	`not_after` integer NOT NULL,
	`revoked_at` integer,
	`revocation_reason` integer,
	`replaced_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_serial_hex_unique` ON `certificates` (`serial_hex`);--> statement-breakpoint
CREATE INDEX `certificates_order_idx` ON `certificates` (`order_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `certificates_revoked_idx` ON `certificates` (`revoked_at`);--> statement-breakpoint
CREATE TABLE `domain_validations` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`domain` text NOT NULL,
	`token` text NOT NULL,
	`key_authorization` text NOT NULL,
	`status` text NOT NULL,
	`method` text,
	`last_checked_at` integer,
	`last_result` text,
	`validated_at` integer,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `domain_validations_order_domain` ON `domain_validations` (`order_id`,`domain`);--> statement-breakpoint
CREATE TABLE `eab_credentials` (
	`kid` text PRIMARY KEY NOT NULL,
	`subscription_id` text NOT NULL,
	`hmac_key_sealed` text NOT NULL,
	`created_at` integer NOT NULL,
	`reveal_until` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`subscription_id`) REFERENCES `subscriptions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `eab_credentials_subscription_idx` ON `eab_credentials` (`subscription_id`);--> statement-breakpoint
CREATE TABLE `eab_views` (
	`id` text PRIMARY KEY NOT NULL,
	`kid` text NOT NULL,
	`viewed_at` integer NOT NULL,
	`client_address` text NOT NULL,
	FOREIGN KEY (`kid`) REFERENCES `eab_credentials`(`kid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `eab_views_kid_idx` ON `eab_views` (`kid`,`viewed_at`);--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`plan` text NOT NULL,
	`max_certificates` integer NOT NULL,
	`max_names_per_order` integer NOT NULL,
	`wildcards` integer NOT NULL,
	`max_validity_days` integer NOT NULL,
	`max_accounts_per_credential` integer,
	`not_after` integer NOT NULL,
	`certificates_issued` integer DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `subscriptions_customer_idx` ON `subscriptions` (`customer_id`);--> statement-breakpoint
CREATE TABLE `acme_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`thumbprint` text NOT NULL,
	`jwk` text NOT NULL,
	`status` text NOT NULL,
	`contact` text NOT NULL,
	`eab_kid` text NOT NULL,
	`subscription_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`subscription_id`) REFERENCES `subscriptions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `acme_accounts_thumbprint_unique` ON `acme_accounts` (`thumbprint`);--> statement-breakpoint
CREATE INDEX `acme_accounts_kid_idx` ON `acme_accounts` (`eab_kid`);--> statement-breakpoint
CREATE TABLE `acme_authorizations` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`account_id` text NOT NULL,
	`identifier_type` text NOT NULL,
	`identifier_value` text NOT NULL,
	`wildcard` integer NOT NULL,
	`status` text NOT NULL,
	`expires` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `acme_orders`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `acme_authz_order_idx` ON `acme_authorizations` (`order_id`);--> statement-breakpoint
CREATE TABLE `acme_challenges` (
	`id` text PRIMARY KEY NOT NULL,
	`authz_id` text NOT NULL,
	`type` text NOT NULL,
	`token` text NOT NULL,
	`status` text NOT NULL,
	`validated` integer,
	`error` text,
	FOREIGN KEY (`authz_id`) REFERENCES `acme_authorizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `acme_chall_authz_idx` ON `acme_challenges` (`authz_id`);--> statement-breakpoint
CREATE TABLE `acme_nonces` (
	`nonce` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `acme_nonces_expires_idx` ON `acme_nonces` (`expires_at`);--> statement-breakpoint
CREATE TABLE `acme_orders` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`status` text NOT NULL,
	`identifiers` text NOT NULL,
	`not_before` integer,
	`not_after` integer,
	`expires` integer NOT NULL,
	`error` text,
	`certificate_id` text,
	`issuer_handle` text,
	`replaces` text,
	`profile` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `acme_accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `acme_orders_account_idx` ON `acme_orders` (`account_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `orders` ADD `issuer_handle` text;