CREATE TABLE `Artifact` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `type_id` INT NOT NULL, `uri` TEXT);
CREATE TABLE `ArtifactProperty` (`artifact_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, `is_custom_property` TINYINT(1) NOT NULL, `int_value` INT, `double_value` DOUBLE, `string_value` TEXT, PRIMARY KEY (`artifact_id`, `name`, `is_custom_property`));
CREATE TABLE `Event` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `artifact_id` INT NOT NULL, `execution_id` INT NOT NULL, `type` INT NOT NULL, `milliseconds_since_epoch` INT);
CREATE TABLE `EventPath` (`event_id` INT NOT NULL, `is_index_step` TINYINT(1) NOT NULL, `step_index` INT, `step_key` TEXT);
CREATE TABLE `Execution` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `type_id` INT NOT NULL);
CREATE TABLE `ExecutionProperty` (`execution_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, `is_custom_property` TINYINT(1) NOT NULL, `int_value` INT, `double_value` DOUBLE, `string_value` TEXT, PRIMARY KEY (`execution_id`, `name`, `is_custom_property`));
CREATE TABLE `MLMDEnv` (`schema_version` INTEGER, PRIMARY KEY (`schema_version`));
CREATE TABLE `Type` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `name` VARCHAR(255) NOT NULL, `is_artifact_type` TINYINT(1) NOT NULL, `input_type` TEXT, `output_type` TEXT);
CREATE TABLE `TypeProperty` (`type_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, `data_type` INT, PRIMARY KEY (`type_id`, `name`));
