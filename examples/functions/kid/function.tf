# The key id the apiserver's tokens will carry, e.g. to check a token header.
output "service_account_kid" {
  value = provider::irsa::kid(file("sa.pub"))
}
