ALTER TABLE `orders` ADD `renews_order_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `orders_renews_order_id_unique` ON `orders` (`renews_order_id`);