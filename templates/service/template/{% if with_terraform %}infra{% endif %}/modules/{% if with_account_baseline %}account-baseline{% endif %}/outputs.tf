output "trail_bucket" {
  description = "Where CloudTrail writes the account's log files."
  value       = aws_s3_bucket.trail.id
}

output "humans_group" {
  description = "Add every human IAM user to this group: without MFA they can only set MFA up."
  value       = aws_iam_group.humans.name
}
