"""What users write: notes of the data conversation, users and their schools, the audit log."""
