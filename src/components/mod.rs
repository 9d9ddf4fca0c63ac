//! The dashboard's components, one public component per file.

pub mod announcer;
pub mod cards;
pub mod charts;
pub mod courses_panel;
pub mod dashboard_view;
pub mod data_table;
pub mod dataset_panel;
pub mod dbt_section;
pub mod embed_view;
pub mod error_banner;
pub mod filters;
pub mod header;
pub mod landing;
pub mod learners_panel;
pub mod mapping_dialog;
pub mod mask_toggle;
pub mod masked_badge;
pub mod metadata_panel;
pub mod modal_dialog;
pub mod privacy;
pub mod progress_bar;
pub mod quality_panel;
pub mod salt_notice;
pub mod videos_panel;
