CREATE INDEX `acme_authz_account_idx` ON `acme_authorizations` (`account_id`,`status`);--> statement-breakpoint
CREATE INDEX `acme_orders_replaces_idx` ON `acme_orders` (`replaces`);