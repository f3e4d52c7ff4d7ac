terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.29, < 7.0"
      # aws.us_east_1: Route 53 health-check metrics, and so the uptime alarm, exist only there
      configuration_aliases = [aws.us_east_1]
    }
  }
}
