output "deploy_role_arn" {
  description = "Role the deploy pipeline assumes."
  value       = aws_iam_role.deploy.arn
}

output "plan_role_arn" {
  description = "Role the pull-request plan job assumes."
  value       = aws_iam_role.plan.arn
}

output "apply_role_arn" {
  description = "Role the approved terraform apply job assumes."
  value       = aws_iam_role.apply.arn
}
