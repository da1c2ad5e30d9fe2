CREATE TABLE `Artifact` (`id` INT NOT NULL AUTO_INCREMENT, `type_id` INT NOT NULL, `uri` TEXT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;
CREATE TABLE `ArtifactProperty` (`artifact_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, `is_custom_property` TINYINT(1) NOT NULL, `int_value` INT NULL, `double_value` DOUBLE NULL, `string_value` TEXT NULL, PRIMARY KEY (`artifact_id`, `name`, `is_custom_property`)) ENGINE=InnoDB;
CREATE TABLE `Event` (`id` INT NOT NULL AUTO_INCREMENT, `artifact_id` INT NOT NULL, `execution_id` INT NOT NULL, `type` INT NOT NULL, `milliseconds_since_epoch` BIGINT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;
CREATE TABLE `EventPath` (`event_id` INT NOT NULL, `is_index_step` TINYINT(1) NOT NULL, `step_index` INT NULL, `step_key` TEXT NULL) ENGINE=InnoDB;
CREATE TABLE `Execution` (`id` INT NOT NULL AUTO_INCREMENT, `type_id` INT NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;
CREATE TABLE `ExecutionProperty` (`execution_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, `is_custom_property` TINYINT(1) NOT NULL, `int_value` INT NULL, `double_value` DOUBLE NULL, `string_value` TEXT NULL, PRIMARY KEY (`execution_id`, `name`, `is_custom_property`)) ENGINE=InnoDB;
CREATE TABLE `Type` (`id` INT NOT NULL AUTO_INCREMENT, `name` VARCHAR(255) NOT NULL, `is_artifact_type` TINYINT(1) NOT NULL, `input_type` TEXT NULL, `output_type` TEXT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;
CREATE TABLE `TypeProperty` (`type_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, `data_type` INT NULL, PRIMARY KEY (`type_id`, `name`)) ENGINE=InnoDB;
