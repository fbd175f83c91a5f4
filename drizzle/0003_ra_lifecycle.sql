CREATE TABLE `acme_order_authorizations` (
	`order_id` text NOT NULL,
	`authz_id` text NOT NULL,
	PRIMARY KEY(`order_id`, `authz_id`),
	FOREIGN KEY (`order_id`) REFERENCES `acme_orders`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `acme_order_authz_authz_idx` ON `acme_order_authorizations` (`authz_id`);--> statement-breakpoint
CREATE TABLE `plan_reservations` (
	`acme_order_id` text PRIMARY KEY NOT NULL,
	`subscription_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`subscription_id`) REFERENCES `subscriptions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `plan_reservations_subscription_idx` ON `plan_reservations` (`subscription_id`);--> statement-breakpoint
ALTER TABLE `orders` ADD `issuance_id` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `issuance_started_at` integer;--> statement-breakpoint
ALTER TABLE `orders` ADD `issuance_lease_at` integer;--> statement-breakpoint
ALTER TABLE `orders` ADD `replaces_certificate_id` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `approved_at` integer;--> statement-breakpoint
CREATE INDEX `orders_status_idx` ON `orders` (`status`,`issuance_lease_at`);--> statement-breakpoint
ALTER TABLE `certificates` ADD `issuance_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_issuance_id_unique` ON `certificates` (`issuance_id`);--> statement-breakpoint
ALTER TABLE `acme_authorizations` ADD `validated_at` integer;--> statement-breakpoint
CREATE INDEX `acme_authz_reuse_idx` ON `acme_authorizations` (`account_id`,`identifier_type`,`identifier_value`,`wildcard`,`status`);--> statement-breakpoint
ALTER TABLE `acme_challenges` ADD `attempted_at` integer;--> statement-breakpoint
ALTER TABLE `acme_orders` ADD `csr_pem` text;--> statement-breakpoint
ALTER TABLE `acme_orders` ADD `processing_started_at` integer;--> statement-breakpoint
ALTER TABLE `acme_orders` ADD `lease_at` integer;--> statement-breakpoint
CREATE INDEX `acme_orders_status_idx` ON `acme_orders` (`status`,`lease_at`);--> statement-breakpoint
-- Data: every existing certificate is its own issuance; every valid ACME order holds one of its plan's
-- certificates; every authorization is used by the order that created it; unfinished issuance gets its
-- clocks so that crash recovery picks it up.
UPDATE `certificates` SET `issuance_id` = coalesce(`acme_order_id`, `id`);--> statement-breakpoint
INSERT OR IGNORE INTO `plan_reservations` (`acme_order_id`, `subscription_id`, `created_at`)
  SELECT o.`id`, a.`subscription_id`, o.`created_at` FROM `acme_orders` o JOIN `acme_accounts` a ON a.`id` = o.`account_id`
  WHERE o.`status` IN ('valid', 'processing');--> statement-breakpoint
INSERT OR IGNORE INTO `acme_order_authorizations` (`order_id`, `authz_id`) SELECT `order_id`, `id` FROM `acme_authorizations`;--> statement-breakpoint
UPDATE `acme_orders` SET `processing_started_at` = `created_at`, `lease_at` = `created_at` WHERE `status` = 'processing';--> statement-breakpoint
UPDATE `orders` SET `issuance_id` = 'legacy-' || `id`, `issuance_started_at` = `updated_at`, `issuance_lease_at` = `updated_at` WHERE `status` = 'pending_issuance';--> statement-breakpoint
ALTER TABLE `subscriptions` DROP COLUMN `certificates_issued`;