{{/*
Helpers shared by the ranged templates. Kept to a small subset of Go templates (define, include, if, range,
variables, default, quote, printf, toYaml, nindent, trunc, trimSuffix, replace, upper, dict, eq/ne/and/or/not,
index, sha256sum, b64enc/b64dec, randAlphaNum, lookup) that tests/LlmOps.Deployment.Tests renders without helm.
*/}}

{{/* Prefix of every resource name: the release name, plus the chart name when the release is not called that. */}}
{{- define "llmops.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if eq .Release.Name $name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels on everything the chart creates. */}}
{{- define "llmops.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/part-of: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Labels of one component's resources: the common ones and its selector labels; call with (dict "root" $ "name" "<component>"). */}}
{{- define "llmops.componentLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
app.kubernetes.io/part-of: {{ .root.Chart.Name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "llmops.selectorLabels" . }}
{{- end -}}

{{/* Selector labels of one component; call with (dict "root" $ "name" "<component>"). */}}
{{- define "llmops.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* The Kubernetes name of one component: <fullname>-<component>. */}}
{{- define "llmops.componentName" -}}
{{- printf "%s-%s" (include "llmops.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "llmops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "llmops.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* <repositoryPrefix>/<service>:<tag>, a service's own image.repository / image.tag winning (skaffold sets those). */}}
{{- define "llmops.image" -}}
{{- $repository := default (printf "%s/%s" .root.Values.image.repositoryPrefix .name) .svc.image.repository -}}
{{- $tag := default (default .root.Chart.AppVersion .root.Values.image.tag) .svc.image.tag -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}

{{/* The Secret names: the dev profile's generated Secret, or the operator's own. */}}
{{- define "llmops.devSecretName" -}}
{{- printf "%s-dev-credentials" (include "llmops.fullname" .) -}}
{{- end -}}
{{- define "llmops.authSecret" -}}
{{- if .Values.devDependencies.enabled -}}{{ include "llmops.devSecretName" . }}{{- else -}}{{ .Values.auth.existingSecret }}{{- end -}}
{{- end -}}
{{- define "llmops.postgresSecret" -}}
{{- if .Values.devDependencies.enabled -}}{{ include "llmops.devSecretName" . }}{{- else -}}{{ .Values.postgresql.existingSecret }}{{- end -}}
{{- end -}}
{{- define "llmops.rabbitmqSecret" -}}
{{- if .Values.devDependencies.enabled -}}{{ include "llmops.devSecretName" . }}{{- else -}}{{ .Values.rabbitmq.existingSecret }}{{- end -}}
{{- end -}}
{{- define "llmops.rabbitmqHost" -}}
{{- if .Values.devDependencies.enabled -}}{{ include "llmops.componentName" (dict "root" . "name" "rabbitmq") }}{{- else -}}{{ .Values.rabbitmq.host }}{{- end -}}
{{- end -}}

{{/*
The environment of one platform service: the settings every service reads (README's configuration table), then the
service's own. Non-secret values inline; secrets only as secretKeyRef. Call with (dict "root" $ "name" $name "svc" $svc).
Also used by the migration Job, which runs before the chart's ConfigMaps exist.
*/}}
{{- define "llmops.env" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
- name: Messaging__Transport
  value: RabbitMq
- name: Messaging__RabbitMq__Host
  value: {{ include "llmops.rabbitmqHost" $root | quote }}
- name: Messaging__RabbitMq__Port
  value: {{ $v.rabbitmq.port | quote }}
- name: Messaging__RabbitMq__VirtualHost
  value: {{ $v.rabbitmq.virtualHost | quote }}
- name: Messaging__RabbitMq__Username
  value: {{ $v.rabbitmq.username | quote }}
- name: Messaging__RabbitMq__UseTls
  value: {{ $v.rabbitmq.useTls | quote }}
- name: Messaging__RabbitMq__Password
  valueFrom:
    secretKeyRef:
      name: {{ include "llmops.rabbitmqSecret" $root }}
      key: {{ $v.rabbitmq.passwordKey }}
- name: Storage__Provider
  value: Postgres
- name: Storage__ConnectionString
  valueFrom:
    secretKeyRef:
      name: {{ include "llmops.postgresSecret" $root }}
      key: {{ $v.postgresql.connectionStringKey }}
- name: Storage__DataDirectory
  value: /data
- name: Storage__MigrateOnStart
  value: {{ not $v.migrations.job.enabled | quote }}
- name: Auth__AdminKey
  valueFrom:
    secretKeyRef:
      name: {{ include "llmops.authSecret" $root }}
      key: {{ $v.auth.adminKeyKey }}
- name: Serilog__MinimumLevel__Default
  value: {{ $v.logLevel | quote }}
{{- if $v.telemetry.otlpEndpoint }}
- name: Telemetry__OtlpEndpoint
  value: {{ $v.telemetry.otlpEndpoint | quote }}
- name: Telemetry__OtlpProtocol
  value: {{ $v.telemetry.otlpProtocol | quote }}
{{- end }}
{{- if eq .name "evaluator" }}
- name: Evaluator__Gateway__BaseUrl
  value: {{ printf "http://%s:%v/" (include "llmops.componentName" (dict "root" $root "name" "inference-proxy")) (index $v.services "inference-proxy").service.port | quote }}
{{- if $v.evaluator.gatewayKeySecret.name }}
- name: Evaluator__Gateway__ApiKey
  valueFrom:
    secretKeyRef:
      name: {{ $v.evaluator.gatewayKeySecret.name }}
      key: {{ $v.evaluator.gatewayKeySecret.key }}
{{- end }}
{{- end }}
{{- if eq .name "cost-accountant" }}
- name: CostAccountant__CatalogPath
  value: /etc/llmops/catalog/prices.json
{{- end }}
{{- if eq .name "alerting" }}
- name: Alerting__Engine__RulesFile
  value: /etc/llmops/alerting/rules.yaml
{{- if $v.alerting.externalUrl }}
- name: Alerting__Engine__ExternalUrl
  value: {{ $v.alerting.externalUrl | quote }}
{{- end }}
{{- if $v.rabbitmq.managementUrl }}
- name: Alerting__Metrics__ManagementUrl
  value: {{ $v.rabbitmq.managementUrl | quote }}
- name: Alerting__Metrics__ManagementUsername
  value: {{ $v.rabbitmq.username | quote }}
- name: Alerting__Metrics__ManagementPassword
  valueFrom:
    secretKeyRef:
      name: {{ include "llmops.rabbitmqSecret" $root }}
      key: {{ $v.rabbitmq.passwordKey }}
{{- end }}
{{- end }}
{{- if eq .name "dashboard" }}
{{- /* The console's /api calls, forwarded to each enabled service's in-cluster Service (docs/dashboard.md). A disabled
service gets no entry: its prefixes are then not forwarded, rather than forwarded to a Service that does not exist. */}}
{{- range $service, $key := dict "inference-proxy" "InferenceProxy" "trace-collector" "TraceCollector" "evaluator" "Evaluator" "feedback-ingest" "FeedbackIngest" "cost-accountant" "CostAccountant" "alerting" "Alerting" }}
{{- $target := index $v.services $service }}
{{- if $target.enabled }}
- name: Dashboard__Services__{{ $key }}
  value: {{ printf "http://%s:%v/" (include "llmops.componentName" (dict "root" $root "name" $service)) $target.service.port | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- include "llmops.extraEnv" .svc }}
{{- end -}}

{{/* A service's own extra settings: env (plain) and secretEnv (Secret references). */}}
{{- define "llmops.extraEnv" -}}
{{- range $key, $value := .env }}
- name: {{ $key }}
  value: {{ $value | quote }}
{{- end }}
{{- range $key, $ref := .secretEnv }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.name }}
      key: {{ $ref.key }}
{{- end }}
{{- end -}}

{{/* inference-proxy's provider keys, each from its Secret, under the variable its deployment's ApiKeyVariable names. */}}
{{- define "llmops.providerKeys" -}}
{{- range $i, $d := .Values.gateway.deployments }}
{{- if $d.apiKeySecret }}
- name: {{ include "llmops.providerKeyVariable" $d }}
  valueFrom:
    secretKeyRef:
      name: {{ $d.apiKeySecret.name }}
      key: {{ $d.apiKeySecret.key }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The environment variable that carries one gateway deployment's provider key: LLMOPS_PROVIDER_KEY_<NAME>. */}}
{{- define "llmops.providerKeyVariable" -}}
{{- printf "LLMOPS_PROVIDER_KEY_%s" (.name | upper | replace "-" "_" | replace "." "_") -}}
{{- end -}}

{{/* inference-proxy's routing settings (the gateway ConfigMap's data): deployments and routes as Section__Key pairs. */}}
{{- define "llmops.gatewayRouting" -}}
{{- $root := . -}}
{{- range $i, $d := .Values.gateway.deployments }}
InferenceProxy__Deployments__{{ $i }}__Name: {{ $d.name | quote }}
InferenceProxy__Deployments__{{ $i }}__Provider: {{ $d.provider | quote }}
{{- if $d.useSimulator }}
InferenceProxy__Deployments__{{ $i }}__BaseUrl: {{ printf "http://%s:%v/v1" (include "llmops.componentName" (dict "root" $root "name" "llm-simulator")) (index $root.Values.services "llm-simulator").service.port | quote }}
{{- else }}
InferenceProxy__Deployments__{{ $i }}__BaseUrl: {{ $d.baseUrl | quote }}
{{- end }}
{{- if $d.apiKeySecret }}
InferenceProxy__Deployments__{{ $i }}__ApiKeyVariable: {{ include "llmops.providerKeyVariable" $d | quote }}
{{- end }}
{{- if $d.upstreamModel }}
InferenceProxy__Deployments__{{ $i }}__UpstreamModel: {{ $d.upstreamModel | quote }}
{{- end }}
{{- range $j, $model := $d.models }}
InferenceProxy__Deployments__{{ $i }}__Models__{{ $j }}: {{ $model | quote }}
{{- end }}
{{- range $key, $value := $d.settings }}
InferenceProxy__Deployments__{{ $i }}__{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end }}
{{- range $i, $r := .Values.gateway.routes }}
InferenceProxy__Routes__{{ $i }}__Model: {{ $r.model | quote }}
InferenceProxy__Routes__{{ $i }}__Strategy: {{ $r.strategy | quote }}
{{- range $j, $name := $r.deployments }}
InferenceProxy__Routes__{{ $i }}__Deployments__{{ $j }}: {{ $name | quote }}
{{- end }}
{{- range $j, $name := $r.fallbacks }}
InferenceProxy__Routes__{{ $i }}__Fallbacks__{{ $j }}: {{ $name | quote }}
{{- end }}
{{- if $r.complexityThreshold }}
InferenceProxy__Routes__{{ $i }}__ComplexityThreshold: {{ $r.complexityThreshold | quote }}
{{- end }}
{{- end }}
{{- range $key, $value := .Values.gateway.settings }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* Pod and container security contexts every workload of the chart gets. */}}
{{- define "llmops.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsUser }}
fsGroup: {{ .Values.securityContext.runAsUser }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}
{{- define "llmops.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}
