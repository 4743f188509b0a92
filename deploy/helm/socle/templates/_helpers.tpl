{{/* Names, labels and the values every template derives from (URLs, the model catalog). */}}

{{- define "socle.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "socle.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A dependency's name: <fullname>-<part>, e.g. socle-postgresql. */}}
{{- define "socle.part" -}}
{{- printf "%s-%s" (include "socle.fullname" .root | trunc 50 | trimSuffix "-") .part }}
{{- end }}

{{/* Labels shared by every object of the release; `component` tells Socle from its dependencies. */}}
{{- define "socle.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "socle.baseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "socle.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "socle.labels" -}}
{{ include "socle.commonLabels" . }}
{{ include "socle.selectorLabels" . }}
{{- end }}

{{- define "socle.selectorLabels" -}}
{{ include "socle.baseSelectorLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{/* Labels of a dependency or a job (part: postgresql, redis, qdrant, vllm, migrate). */}}
{{- define "socle.partLabels" -}}
{{ include "socle.commonLabels" .root }}
{{ include "socle.partSelectorLabels" . }}
{{- end }}

{{- define "socle.partSelectorLabels" -}}
{{ include "socle.baseSelectorLabels" .root }}
app.kubernetes.io/component: {{ .part }}
{{- end }}

{{- define "socle.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "socle.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "socle.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret holding the SOCLE_... variables: the one you manage, or the chart's. */}}
{{- define "socle.secretName" -}}
{{- default (include "socle.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* SQLAlchemy URL of the database (asyncpg driver); empty when an existing Secret holds it. */}}
{{- define "socle.databaseUrl" -}}
{{- if .Values.postgresql.enabled }}
{{- $auth := .Values.postgresql.auth }}
{{- $password := required "postgresql.auth.password is required while postgresql.enabled" $auth.password }}
{{- if not (regexMatch "^[A-Za-z0-9._~-]+$" $password) }}
{{- fail "postgresql.auth.password goes into a URL: use letters, digits and . _ ~ - only (e.g. openssl rand -hex 24)" }}
{{- end }}
{{- printf "postgresql+asyncpg://%s:%s@%s:5432/%s" $auth.username $password (include "socle.part" (dict "root" . "part" "postgresql")) $auth.database }}
{{- else if .Values.postgresql.externalUrl }}
{{- .Values.postgresql.externalUrl }}
{{- else if not .Values.secrets.existingSecret }}
{{- fail "Socle's replicas share one PostgreSQL: set postgresql.enabled, postgresql.externalUrl or secrets.existingSecret" }}
{{- end }}
{{- end }}

{{/* The same database for LangGraph's checkpointer, which takes a libpq (psycopg) URL. */}}
{{- define "socle.checkpointUrl" -}}
{{- include "socle.databaseUrl" . | replace "postgresql+asyncpg://" "postgresql://" }}
{{- end }}

{{- define "socle.redisUrl" -}}
{{- if .Values.redis.enabled }}
{{- printf "redis://%s:6379/0" (include "socle.part" (dict "root" . "part" "redis")) }}
{{- else }}
{{- .Values.redis.externalUrl }}
{{- end }}
{{- end }}

{{- define "socle.qdrantUrl" -}}
{{- if .Values.qdrant.enabled }}
{{- printf "http://%s:6333" (include "socle.part" (dict "root" . "part" "qdrant")) }}
{{- else }}
{{- .Values.qdrant.externalUrl }}
{{- end }}
{{- end }}

{{- define "socle.vllmUrl" -}}
{{- if .Values.vllm.enabled }}
{{- printf "http://%s:8000/v1" (include "socle.part" (dict "root" . "part" "vllm")) }}
{{- else }}
{{- .Values.vllm.externalUrl }}
{{- end }}
{{- end }}

{{/* The vLLM catalog as SOCLE_MODELS__DEPLOYMENTS (JSON, in the Secret: it carries the key). */}}
{{- define "socle.vllmDeployments" -}}
{{- $v := .Values.vllm }}
{{- $d := dict "name" $v.servedModelName "model" (printf "vllm:%s" $v.servedModelName) "api_base" (include "socle.vllmUrl" .) "context_window" $v.contextWindow "tier" $v.tier "tags" (list "on-prem") }}
{{- if $v.apiKey }}{{- $_ := set $d "api_key" $v.apiKey }}{{- end }}
{{- list $d | toJson }}
{{- end }}

{{/* The Secret's SOCLE_... variables (the release's Secret and the migration hook's copy). */}}
{{- define "socle.secretData" -}}
SOCLE_GUARDRAILS__PSEUDONYM_KEY: {{ required "secrets.pseudonymKey is required (32 random bytes in urlsafe base64, shared by every replica), or set secrets.existingSecret" .Values.secrets.pseudonymKey | quote }}
SOCLE_STORAGE__DATABASE_URL: {{ include "socle.databaseUrl" . | quote }}
SOCLE_ORCHESTRATOR__CHECKPOINT_URL: {{ include "socle.checkpointUrl" . | quote }}
{{- with include "socle.redisUrl" . }}
SOCLE_STORAGE__REDIS_URL: {{ . | quote }}
{{- end }}
{{- with .Values.qdrant.apiKey }}
SOCLE_KNOWLEDGE__QDRANT_API_KEY: {{ . | quote }}
{{- end }}
{{- if include "socle.vllmUrl" . }}
SOCLE_MODELS__DEPLOYMENTS: {{ include "socle.vllmDeployments" . | quote }}
{{- end }}
{{- end }}

{{/* socle.yaml: what the chart derives, under the user's `config` (which wins key by key). */}}
{{- define "socle.config" -}}
{{- $derived := dict
  "server" (dict "host" "0.0.0.0" "port" 8000)
  "storage" (dict "data_dir" "/var/lib/socle")
  "orchestrator" (dict "checkpointer" "postgres") }}
{{- $qdrant := include "socle.qdrantUrl" . }}
{{- if $qdrant }}{{- $_ := set $derived "knowledge" (dict "qdrant_url" $qdrant) }}{{- end }}
{{- if include "socle.vllmUrl" . }}
{{- $_ := set $derived "models" (dict "default" .Values.vllm.servedModelName "manage_local" false) }}
{{- end }}
{{- mergeOverwrite $derived (deepCopy .Values.config) | toYaml }}
{{- end }}
