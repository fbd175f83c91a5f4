CREATE TABLE `upstream_orders` (
	`id` text PRIMARY KEY NOT NULL,
	`order_url` text NOT NULL,
	`status` text NOT NULL,
	`expires_at` integer,
	`authorizations` text NOT NULL,
	`detail` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `upstream_orders_status_idx` ON `upstream_orders` (`status`);