#!/usr/bin/env bash
# Deploy to Azure: image to Container Registry, one App Service (Linux container) instance with the
# data directory on an Azure Files share, secrets as Key Vault references, health wait, URL printed last.
set -euo pipefail
# shellcheck source=scripts/deployment/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

usage() {
  cat <<'EOF'
Usage: scripts/deployment/azure/deploy.sh [--dry-run]
Required: AZ_RESOURCE_GROUP, AZ_LOCATION, AZ_ACR (registry name, globally unique),
AZ_STORAGE_ACCOUNT (globally unique), and AZ_KEYVAULT when DEPLOY_SECRETS is set.
Optional: AZ_PLAN_SKU (P1v3).
EOF
  usage_common
}

parse_common_args "$@"
require_cmds az docker curl
require_vars AZ_RESOURCE_GROUP AZ_LOCATION AZ_ACR AZ_STORAGE_ACCOUNT
[[ -z "$DEPLOY_SECRETS" ]] || require_vars AZ_KEYVAULT
require_login "Azure (az account show failed)" az account show
DEPLOY_TAG="${DEPLOY_TAG:-$(default_tag)}"
RG="$AZ_RESOURCE_GROUP"
NAME="$DEPLOY_NAME"
PLAN="$NAME-plan"
SHARE="apiassist-data"
IMAGE="$AZ_ACR.azurecr.io/$NAME:$DEPLOY_TAG"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

note "image $IMAGE"
run az group create --name "$RG" --location "$AZ_LOCATION"
probe az acr show --name "$AZ_ACR" --resource-group "$RG" ||
  run az acr create --name "$AZ_ACR" --resource-group "$RG" --sku Basic --admin-enabled false
run az acr login --name "$AZ_ACR"
run docker build --platform linux/amd64 -t "$IMAGE" "$DEPLOY_CONTEXT"
run docker push "$IMAGE"

note "persistent storage on Azure Files"
probe az storage account show --name "$AZ_STORAGE_ACCOUNT" --resource-group "$RG" ||
  run az storage account create --name "$AZ_STORAGE_ACCOUNT" --resource-group "$RG" --location "$AZ_LOCATION" --sku Standard_LRS --kind StorageV2 --min-tls-version TLS1_2 --allow-blob-public-access false
run az storage share-rm create --resource-group "$RG" --storage-account "$AZ_STORAGE_ACCOUNT" --name "$SHARE" --quota 100
capture STORAGE_KEY "<storage-key>" az storage account keys list --account-name "$AZ_STORAGE_ACCOUNT" --resource-group "$RG" --query '[0].value' --output tsv
MASKED+=("$STORAGE_KEY")

note "App Service"
probe az appservice plan show --name "$PLAN" --resource-group "$RG" ||
  run az appservice plan create --name "$PLAN" --resource-group "$RG" --location "$AZ_LOCATION" --is-linux --sku "${AZ_PLAN_SKU:-P1v3}"
probe az webapp show --name "$NAME" --resource-group "$RG" ||
  run az webapp create --name "$NAME" --resource-group "$RG" --plan "$PLAN" --container-image-name "$IMAGE"
capture PRINCIPAL "<principal-id>" az webapp identity assign --name "$NAME" --resource-group "$RG" --query principalId --output tsv
capture ACR_ID "<acr-resource-id>" az acr show --name "$AZ_ACR" --resource-group "$RG" --query id --output tsv
run az role assignment create --assignee-object-id "$PRINCIPAL" --assignee-principal-type ServicePrincipal --role AcrPull --scope "$ACR_ID"

load_secrets
secret_uri=""
SETTINGS=(WEBSITES_PORT="$DEPLOY_PORT" PORT="$DEPLOY_PORT" WEBSITES_ENABLE_APP_SERVICE_STORAGE=false)
plain_settings >"$WORK/settings.env"
while IFS= read -r line; do SETTINGS+=("$line"); done <"$WORK/settings.env"
if ((${#SECRET_VARS[@]})); then
  capture VAULT_ID "<keyvault-resource-id>" az keyvault show --name "$AZ_KEYVAULT" --query id --output tsv
  run az role assignment create --assignee-object-id "$PRINCIPAL" --assignee-principal-type ServicePrincipal --role "Key Vault Secrets User" --scope "$VAULT_ID"
  for i in "${!SECRET_VARS[@]}"; do
    capture secret_uri "https://$AZ_KEYVAULT.vault.azure.net/secrets/${SECRET_NAMES[i]}/<version>" az keyvault secret show --vault-name "$AZ_KEYVAULT" --name "${SECRET_NAMES[i]}" --query id --output tsv
    # a Key Vault reference: App Service resolves it with the app's identity, the value never leaves the vault
    SETTINGS+=("${SECRET_VARS[i]}=@Microsoft.KeyVault(SecretUri=${secret_uri%/*})")
  done
fi

run az webapp config container set --name "$NAME" --resource-group "$RG" --container-image-name "$IMAGE" --container-registry-url "https://$AZ_ACR.azurecr.io"
if probe az webapp config storage-account show --name "$NAME" --resource-group "$RG" --custom-id data; then
  storage_verb=update
else
  storage_verb=add
fi
run az webapp config storage-account "$storage_verb" --name "$NAME" --resource-group "$RG" --custom-id data --storage-type AzureFiles --account-name "$AZ_STORAGE_ACCOUNT" --share-name "$SHARE" --access-key "$STORAGE_KEY" --mount-path "$VOLUME_PATH"
run az webapp config appsettings set --name "$NAME" --resource-group "$RG" --settings "${SETTINGS[@]}"
run az webapp config set --name "$NAME" --resource-group "$RG" --always-on true --web-sockets-enabled true --http20-enabled true --min-tls-version 1.2 --generic-configurations '{"healthCheckPath": "/_stcore/health", "acrUseManagedIdentityCreds": true}'
# one instance: the embedded store on the file share must never have two writers
run az appservice plan update --name "$PLAN" --resource-group "$RG" --number-of-workers 1
run az webapp update --name "$NAME" --resource-group "$RG" --https-only true
run az webapp restart --name "$NAME" --resource-group "$RG"
capture HOST "$NAME.azurewebsites.net" az webapp show --name "$NAME" --resource-group "$RG" --query defaultHostName --output tsv
wait_healthy "https://$HOST"
