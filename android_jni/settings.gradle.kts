// Standalone Gradle build of the m2v Android library (AAR). See README.md "Android".
// To use it inside an app project instead, include this folder as a module:
//   include(":m2v"); project(":m2v").projectDir = file("path/to/m2v/android_jni")
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "m2v"
