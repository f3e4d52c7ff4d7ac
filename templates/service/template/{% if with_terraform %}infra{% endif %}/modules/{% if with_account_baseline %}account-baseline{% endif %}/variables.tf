variable "alert_email" {
  description = "Who gets the budget e-mails."
  type        = string
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget of the account, in US dollars."
  type        = number
  default     = 100
}

variable "trail_retention_days" {
  description = "How long CloudTrail log files are kept (after 90 days in Glacier)."
  type        = number
  default     = 730
}
